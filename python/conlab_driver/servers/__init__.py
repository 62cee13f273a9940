"""The server side (serve-http, serve-tcp): a task is one accepted connection. The
listening socket arrives bound and listening on the spec's fd (conlab chose address and
backlog); stdin's end of file says stop accepting. `http` and `tcp` hold the handlers,
which mirror the Rust ones; the other modules are the server models, one each, every
one a `serve(server, cell, n, model, stop)`."""
