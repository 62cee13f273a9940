"""The client workloads, one module each; `registry.py` names them."""
