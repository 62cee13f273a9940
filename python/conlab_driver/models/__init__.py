"""The client models, one module each, every one a `run(work, cell, n, model)`;
`registry.py` names them."""
