# Public defaults for the flask command (secrets go in .env, never committed).
FLASK_APP=wsgi.py
FLASK_RUN_HOST=127.0.0.1
FLASK_RUN_PORT=5000
