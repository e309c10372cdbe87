"""Thread counts of torch and FAISS, chosen once when a process starts.

Why once: these counts live in state that every thread reads while it runs a model or a search.
Changing them around a call (as the embedder and the index writer used to) changed them under
the questions and index updates that other threads were running at the same time.

Measured with torch 2.13 (OpenMP build) and faiss-cpu 1.15:

* `torch.set_num_threads` sets the calling thread's OpenMP/MKL count *and* a process-wide default
  that every other thread takes on its first torch call (it also resizes torch's shared thread
  pool and clears oneDNN's cache). So it is set here, once, before any worker thread runs torch.
* The int8 backend (index/onnx_embedder.py) runs each text on one core and a list of texts on
  this many workers side by side; it reads the count when it is loaded (`model_threads`).
* `faiss.omp_set_num_threads` changes the calling thread's OpenMP count only: a count set in the
  main thread never reaches the answer or index threads, which otherwise run with OpenMP's
  default (OMP_NUM_THREADS, else every core). One question's search does use them: an exact
  search of 300k rows on 2 busy cores took 27 ms with 1 thread and 46 ms with 2. So each thread
  takes the configured count on its first FAISS call (`use_faiss_threads`), which changes only
  that thread's own state.
"""

from __future__ import annotations

import threading

from index.settings import IndexSettings

_faiss_threads: int | None = None  # set by configure_threads; None: the libraries' defaults
_model_threads: int | None = None  # the same count, for int8 embedders loaded later
_applied = threading.local()  # .faiss: the count this thread's OpenMP was given


def thread_count(settings: IndexSettings, *, indexing: bool = False) -> int:
    """Threads per model call and FAISS call in a process of that kind.

    A process that answers questions (the bot, `newsbot ask`/`chat`/`check`) runs everything with
    `query_threads`, its own index updates included: its answer workers and the index thread
    already share the cores, and a short question gains nothing from a second thread. A process
    that only builds indexes (`newsbot index`, `newsbot eval`) uses `embedding_threads`.
    """
    return max(1, settings.embedding_threads if indexing else settings.query_threads)


def configure_threads(settings: IndexSettings, *, indexing: bool = False) -> int:
    """Set this process's thread counts (see `thread_count`) and return the count.

    Call it at start-up, before other threads run models: a thread that already ran torch keeps
    the count it had. (torch and FAISS are imported here, not with the module: the CLI imports
    this before it knows whether the command needs them.)
    """
    import torch

    global _faiss_threads, _model_threads
    n = thread_count(settings, indexing=indexing)
    torch.set_num_threads(n)
    _faiss_threads = _model_threads = n
    use_faiss_threads()
    return n


def use_faiss_threads() -> None:
    """Give the calling thread the configured FAISS (OpenMP) thread count, once per thread.

    Touches only this thread's OpenMP state; nothing happens before `configure_threads`.
    """
    n = _faiss_threads
    if n is not None and getattr(_applied, "faiss", None) != n:
        import faiss

        faiss.omp_set_num_threads(n)
        _applied.faiss = n


def model_threads(settings: IndexSettings) -> int:
    """Workers of an int8 embedder loaded now: this process's configured count, else a
    question-answering process's."""
    return _model_threads if _model_threads is not None else thread_count(settings)
