"""``UnifiedDSPyWrapper``: the single entry point.

One wrapper = one backend (plus optional fallbacks) behind one pipeline behind one
``dspy.LM``. Any DSPy program runs through it unchanged: use ``create_module`` for the
common cases, or ``with wrapper.activate(): …`` for arbitrary DSPy code. Worker
threads never call ``dspy.configure``; every call runs under ``dspy.context``.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, NoReturn

from ._classify import unified_cause
from ._config import UnifiedConfig
from ._environment import Environment
from ._errors import ConfigError, UnifiedError
from ._features.metrics import Metrics
from ._pipeline import Clock, Pipeline
from ._stack import Guard
from ._version import __version__

#: What a call of a bound module with no rollout runs under: nothing.
_NO_SCOPE = contextlib.nullcontext()

__all__ = ["UnifiedDSPyWrapper", "UnifiedDSPyModule", "__version__"]

_KINDS = ("predict", "chain_of_thought")


def _reraise(exc: Exception) -> NoReturn:
    """Raise the UnifiedError behind DSPy's wrapper of ``exc`` (caused by it), or ``exc``."""
    inner = unified_cause(exc)
    if inner is exc:
        raise exc
    raise inner from exc


class UnifiedDSPyModule:
    """A DSPy program bound to a wrapper's LM: ``predict(**inputs) -> dspy.Prediction``."""

    def __init__(self, wrapper: UnifiedDSPyWrapper, program: Any, signature: Any, *,
                 bind: bool = False) -> None:
        self.wrapper = wrapper
        self.program = program
        self.signature = signature
        #: The LM set on every predictor of a program the wrapper built itself, so a call
        #: needs no ``dspy.context``; None for a user's program (run under activate()).
        self.bound_lm = None
        if bind:
            program.set_lm(wrapper.lm)
            self.bound_lm = wrapper.lm

    @property
    def input_fields(self) -> list[str]:
        """Names of the signature's input fields, in order."""
        return list(self.program.signature.input_fields)

    @property
    def output_fields(self) -> list[str]:
        """Names of the signature's output fields, in order."""
        return list(self.program.signature.output_fields)

    def _call_context(self, rollout_id: str | None,
                      inputs: dict[str, Any]) -> contextlib.AbstractContextManager[Any]:
        """What a call runs under: the rollout (in the request's DSPy ``config`` for the
        wrapper's own modules, as the cache salt otherwise) and, for a user's program,
        the wrapper's LM. Adds the rollout to ``inputs`` when it travels in the request."""
        if self.bound_lm is not None:
            if rollout_id is not None:
                inputs["config"] = {**(inputs.get("config") or {}), "rollout_id": rollout_id}
            return _NO_SCOPE    # the common call: nothing to enter, no ExitStack to build
        from ._scope import rollout

        scope = contextlib.ExitStack()
        if rollout_id is not None:
            scope.enter_context(rollout(rollout_id))
        scope.enter_context(self.wrapper.activate())
        return scope

    def predict(self, rollout_id: str | None = None, **inputs: Any) -> Any:
        """Run the program on ``inputs``; errors surface as ``UnifiedError`` subclasses.

        ``rollout_id`` gives the call its own cache entry (as in DSPy). For the
        wrapper's own Predict/ChainOfThought it travels in the request (DSPy's per-call
        ``config``); for a user's program, as the cache's ``rollout`` salt.
        """
        with self._call_context(rollout_id, inputs):
            try:
                return self.program(**inputs)
            except Exception as exc:
                _reraise(exc)

    async def acall(self, rollout_id: str | None = None, **inputs: Any) -> Any:
        """Async :meth:`predict`: DSPy's ``acall``, through every layer's ``acomplete``
        down to the backend's async client (no worker thread per call)."""
        with self._call_context(rollout_id, inputs):
            try:
                return await self.program.acall(**inputs)
            except Exception as exc:
                _reraise(exc)

    __call__ = predict

    def __repr__(self) -> str:
        return f"UnifiedDSPyModule({type(self.program).__name__}, {self.signature!r})"


class UnifiedDSPyWrapper:
    """The unified DSPy wrapper (see module docstring).

    ``config=None`` reads ``UNIFIED_*`` environment variables (defaults otherwise);
    ``backend`` overrides the configured backend (the seam for tests and custom
    backends); ``clock`` injects time sources so tests never wait; ``guards`` are extra
    layers placed inside the cache (outermost first; see :func:`unified._stack.build_stack`);
    ``metrics`` is a :class:`~unified._features.metrics.Metrics` shared with other wrappers
    (default: the wrapper's own).
    """

    def __init__(self, config: UnifiedConfig | None = None, *, backend: Any = None,
                 clock: Clock | None = None, guards: Sequence[Guard] = (),
                 metrics: Metrics | None = None) -> None:
        from ._backends.auto import build_backend, select_backend

        self.config = config if config is not None else UnifiedConfig.from_env()
        env = Environment.read()   # once, for the primary backend and every fallback
        if backend is not None:
            self.backend, self.selection_reason = backend, "injected: backend= argument"
        else:
            self.backend, self.selection_reason = select_backend(self.config, env)
        fallbacks = [build_backend(fb.backend, fb, env) for fb in self.config.fallbacks]
        self.pipeline = Pipeline([self.backend, *fallbacks], self.config,
                                 clock=clock or Clock(), guards=guards,
                                 shared_metrics=metrics)
        self._lm: Any = None
        self._lm_lock = threading.Lock()

    @property
    def lm(self) -> Any:
        """The ``dspy.LM`` that routes every call through this wrapper's pipeline."""
        if self._lm is None:
            with self._lm_lock:
                if self._lm is None:
                    from ._lm import build_dspy_lm

                    self._lm = build_dspy_lm(self.pipeline, self.config.model,
                                             temperature=self.config.temperature,
                                             max_tokens=self.config.max_tokens)
        return self._lm

    @contextlib.contextmanager
    def activate(self) -> Iterator[UnifiedDSPyWrapper]:
        """Within this block, ordinary DSPy code uses this wrapper's LM."""
        import dspy

        lm = self.lm
        if dspy.settings.lm is lm:      # already active (e.g. a batch worker): no new context
            yield self
            return
        with dspy.context(lm=lm):
            yield self

    def create_module(self, signature: Any, kind: str = "predict",
                      **kwargs: Any) -> UnifiedDSPyModule:
        """A :class:`UnifiedDSPyModule` for ``signature`` (a string or Signature class).

        ``kind`` is ``"predict"`` or ``"chain_of_thought"``; ``kwargs`` go to the DSPy
        module's constructor. A signature DSPy cannot parse (``"a b -> c"``, a lone
        surrogate, an unknown type) raises :class:`~unified._errors.ConfigError` (a
        ``ValueError`` too) with DSPy's error as its cause.
        """
        import dspy

        factories: dict[str, Callable[..., Any]] = {"predict": dspy.Predict,
                                                    "chain_of_thought": dspy.ChainOfThought}
        if kind not in factories:
            raise UnifiedError(f"unknown module kind {kind!r}; expected one of {_KINDS}")
        try:
            program = factories[kind](signature, **kwargs)
        except (SyntaxError, ValueError, TypeError) as exc:
            detail = exc.msg if isinstance(exc, SyntaxError) else str(exc)
            raise ConfigError.for_field(
                "signature", signature, "a DSPy signature such as 'question -> answer' "
                f"(DSPy: {type(exc).__name__}: {detail})") from exc
        return UnifiedDSPyModule(self, program, signature, bind=True)

    def wrap_module(self, program: Any) -> UnifiedDSPyModule:
        """Bind an existing DSPy program (any ``dspy.Module``) to this wrapper."""
        return UnifiedDSPyModule(self, program, getattr(program, "signature", None))

    def batch(self, module: Any, inputs_list: Sequence[Mapping[str, Any]],
              max_workers: int = 4) -> list[Any]:
        """Run ``module`` on each inputs dict with at most ``max_workers`` threads.

        Results come back in input order; an item that raised is returned as its
        exception (the others are unaffected).
        """
        if max_workers < 1:
            raise UnifiedError(f"max_workers must be >= 1, got {max_workers}")
        bound = module if isinstance(module, UnifiedDSPyModule) else self.wrap_module(module)

        def run(inputs: Mapping[str, Any]) -> Any:
            try:
                return bound.predict(**inputs)
            except Exception as exc:
                return exc

        items = list(inputs_list)
        if not items:
            return []
        with ThreadPoolExecutor(max_workers=min(max_workers, len(items)),
                                thread_name_prefix="unified-batch") as pool:
            return list(pool.map(run, items))

    def chain(self, *modules: Any) -> Callable[..., Any]:
        """A callable running ``modules`` in turn, each one's outputs merged into the
        next one's inputs; returns the last prediction."""
        if not modules:
            raise UnifiedError("chain() needs at least one module")
        bound = [m if isinstance(m, UnifiedDSPyModule) else self.wrap_module(m)
                 for m in modules]

        def run_chain(**inputs: Any) -> Any:
            values = dict(inputs)
            prediction = None
            for module in bound:
                wanted = module.input_fields
                prediction = module.predict(**{k: v for k, v in values.items() if k in wanted})
                values.update(prediction.toDict())
            return prediction

        return run_chain

    def get_metrics(self) -> dict[str, Any]:
        """The metrics dict of :mod:`unified._features.metrics`."""
        return self.pipeline.metrics.snapshot()

    def reset_metrics(self) -> None:
        """Zero the metrics."""
        self.pipeline.metrics.reset()

    def get_info(self) -> dict[str, Any]:
        """Version, backend (and why it was selected), redacted config, metrics."""
        backend_info = dict(self.backend.get_info())
        backend_info["selected_because"] = self.selection_reason
        return {"version": __version__, "backend": backend_info,
                "fallbacks": [b.get_info() for b in self.pipeline.backends[1:]],  # type: ignore[attr-defined]
                "config": self.config.to_dict(redact=True), "metrics": self.get_metrics()}

    def close(self) -> None:
        """Close the pipeline (cache connections, backend clients)."""
        self.pipeline.close()

    def __enter__(self) -> UnifiedDSPyWrapper:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return (f"UnifiedDSPyWrapper(backend={self.backend.kind!r}, "
                f"model={self.config.model!r})")
