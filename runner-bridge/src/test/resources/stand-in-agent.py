# Stands in for the cde agent in tests: listens on $PORT (as the agent does) and accepts connections.
import os, socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((os.environ.get("CDE_BIND", "127.0.0.1"), int(os.environ["PORT"])))
s.listen()
print("stand-in agent listening on", os.environ["PORT"], "session", os.environ.get("CDE_SESSION_ID"), flush=True)
if os.environ.get("STAND_IN_FAIL"):
    sys.exit(3)
while True:
    c, _ = s.accept()
    c.close()
