"""What the numbers were measured on: CPU, cores, library versions, the BLAS kernel numpy runs.

On some processors this workplace sets ``OPENBLAS_CORETYPE``/``OPENBLAS_L2_SIZE`` (older
OpenBLAS builds misbehave there); a current numpy then runs a slower generic kernel. We never
change these variables ourselves: the table reports them and the kernel in use, and the README
says how to run the suite without them (unset both in that one command).
"""
from __future__ import annotations

import os
import platform
import sys
from datetime import datetime, timezone

__all__ = ["machine_info", "blas_info", "load_average"]


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def blas_info() -> str:
    """Which BLAS numpy calls and with which kernel (threadpoolctl if present, else numpy's config)."""
    try:
        import numpy as np  # noqa: F401
        from threadpoolctl import threadpool_info

        parts = []
        for lib in threadpool_info():
            if lib.get("user_api") != "blas":
                continue
            name = lib.get("internal_api", "?")
            path = lib.get("filepath", "")
            owner = next((pkg for pkg in ("numpy", "scipy", "jaxlib") if f"{pkg}.libs" in path or f"/{pkg}/" in path),
                         "")
            bits = [f"{owner + ': ' if owner else ''}{name} {lib.get('version') or ''}".strip()]
            if lib.get("architecture"):
                bits.append(f"kernel {lib['architecture']}")
            if lib.get("num_threads"):
                bits.append(f"{lib['num_threads']} threads")
            parts.append(", ".join(bits))
        if parts:
            return "; ".join(parts) + " (threadpoolctl)"
    except ImportError:
        pass
    try:
        import numpy as np

        kernel = _openblas_corename(np)
        config = np.show_config(mode="dicts")
        blas = config.get("Build Dependencies", {}).get("blas", {})
        name = blas.get("name", "?")
        version = blas.get("version", "")
        if kernel:
            return f"{name} {version}, kernel {kernel} (numpy.show_config + openblas_get_corename)"
        return f"{name} {version} (numpy.show_config; kernel unknown without threadpoolctl)".strip()
    except Exception as exc:  # noqa: BLE001
        return f"unknown ({type(exc).__name__})"


def _openblas_corename(np) -> str:
    """Ask numpy's bundled OpenBLAS which kernel it chose at run time (what threadpoolctl reports)."""
    import ctypes
    import glob

    libs = os.path.join(os.path.dirname(os.path.dirname(np.__file__)), "numpy.libs")
    for path in glob.glob(os.path.join(libs, "*openblas*.so*")):
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for symbol in ("scipy_openblas_get_corename64_", "scipy_openblas_get_corename", "openblas_get_corename64_",
                       "openblas_get_corename"):
            fn = getattr(lib, symbol, None)
            if fn is not None:
                fn.restype = ctypes.c_char_p
                value = fn()
                return value.decode() if value else ""
    return ""


def load_average() -> str:
    """1/5/15-minute load averages: other work on the machine skews every figure."""
    try:
        return ", ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


def machine_info() -> dict[str, str]:
    """One dict of the facts the table's header prints."""
    import numpy as np
    import sympy

    info = {
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": _cpu_model(),
        "cores": str(os.cpu_count()),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "sympy": sympy.__version__,
        "blas": blas_info(),
        "openblas env": ", ".join(f"{k}={os.environ[k]}" for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
                                  if k in os.environ) or "not set",
        "platform": f"{platform.system()} {platform.release()} {platform.machine()}",
    }
    try:
        import jax

        info["jax"] = f"{jax.__version__} (CPU, float64)"
    except ImportError:
        info["jax"] = "not installed (pip install -e .[bench])"
    info["executable"] = sys.executable
    return info
