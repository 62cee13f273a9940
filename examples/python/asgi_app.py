"""A small ASGI app for `serve-app`: Starlette when it is installed, else the same three
routes as a raw ASGI callable (so the example runs on the standard library alone).

    /            a JSON greeting
    /items/ID    the item, after a 5 ms `await asyncio.sleep` (a database call, say)
    /error       500, to see how conlab counts an app's errors (http-5xx)

Measure it under every ASGI stack (from the repository root):

    conlab bench --workload serve-app:asgi=examples/python/asgi_app.py:app,path=/,path=/items/7,duration=2s --tasks 16,64
"""

import asyncio
import json

DELAY = 0.005


def item(item_id):
    return {"id": item_id, "name": "item %d" % item_id}


try:
    from starlette.applications import Starlette
    from starlette.responses import JSONResponse, PlainTextResponse
    from starlette.routing import Route
except ImportError:  # the raw ASGI app below
    Starlette = None


if Starlette is not None:
    async def home(request):
        return JSONResponse({"hello": "world"})

    async def get_item(request):
        await asyncio.sleep(DELAY)
        return JSONResponse(item(request.path_params["item_id"]))

    async def error(request):
        return PlainTextResponse("something broke", status_code=500)

    app = Starlette(routes=[
        Route("/", home),
        Route("/items/{item_id:int}", get_item),
        Route("/error", error),
    ])
else:
    async def send_json(send, status, body):
        data = json.dumps(body).encode()
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"application/json"),
                                (b"content-length", str(len(data)).encode())]})
        await send({"type": "http.response.body", "body": data})

    async def app(scope, receive, send):
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        path = scope["path"]
        if path == "/":
            await send_json(send, 200, {"hello": "world"})
        elif path.startswith("/items/") and path[len("/items/"):].isdigit():
            await asyncio.sleep(DELAY)
            await send_json(send, 200, item(int(path[len("/items/"):])))
        elif path == "/error":
            await send_json(send, 500, {"error": "something broke"})
        else:
            await send_json(send, 404, {"error": "not found"})
