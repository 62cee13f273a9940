"""A small Flask app for `serve-app` (WSGI): the shape of most Flask and Django services.

    /            a JSON greeting
    /items/ID    the item, after a 5 ms `time.sleep` (a database call, say; gunicorn's
                 gevent worker patches it into a greenlet's wait)
    /error       500, to see how conlab counts an app's errors (http-5xx)

Measure it under every WSGI stack (from the repository root):

    conlab bench --workload serve-app:wsgi=examples/python/wsgi_app.py:app,path=/,path=/items/7,duration=2s --tasks 16,64
"""

import time

from flask import Flask, jsonify

DELAY = 0.005

app = Flask(__name__)


@app.route("/")
def home():
    return jsonify(hello="world")


@app.route("/items/<int:item_id>")
def get_item(item_id):
    time.sleep(DELAY)
    return jsonify(id=item_id, name="item %d" % item_id)


@app.route("/error")
def error():
    return "something broke", 500
