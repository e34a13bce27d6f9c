"""The framework's floor: a bare Flask app with one JSON endpoint, served like the service.

``bench/sidebyside.py`` runs it under the same gunicorn command as the service
(``gunicorn -c gunicorn.conf.py ... bench.floor:app``) and divides by its req/s.
"""

from flask import Flask, jsonify

app = Flask(__name__)


@app.get("/floor")
def floor():
    """Answer a constant JSON object: Flask, Werkzeug and gunicorn, nothing of ours."""
    return jsonify(status="ok")
