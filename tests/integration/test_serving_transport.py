"""Keep-alive connections of the prediction service send at once (TCP_NODELAY). With Nagle's algorithm on, every
request on a kept-alive connection waited ~40 ms for the client's delayed acknowledgement (measured: 48 ms a request,
one client at 21 requests/s, the CPU idle). The cause was the socket `bind` makes: created with protocol number 0,
it hands 0 to every connection it accepts, and asyncio sets TCP_NODELAY only where the protocol says TCP. uvloop
sets the option on every TCP connection, so the defect shows under the standard asyncio loop, which is what uvicorn
uses wherever uvloop is not installed (Windows has none)."""
import http.client, socket, threading, time
import uvicorn
from fastapi import FastAPI
from mlsys.modelops.launch import bind


def test_connections_accepted_on_the_service_socket_send_without_delay():
    app = FastAPI()
    @app.get('/ping')
    def ping(): return {'ok': True}
    server = uvicorn.Server(uvicorn.Config(app, loop='asyncio', http='h11', log_level='warning', lifespan='off'))
    sock = bind()
    thread = threading.Thread(target=server.run, kwargs={'sockets': [sock]}, daemon=True); thread.start()
    try:
        deadline = time.monotonic() + 30
        while not server.started:
            assert thread.is_alive() and time.monotonic() < deadline, 'the server did not start'
            time.sleep(0.02)
        c = http.client.HTTPConnection('127.0.0.1', sock.getsockname()[1], timeout=10)
        for _ in range(3):
            c.request('GET', '/ping'); assert c.getresponse().read() == b'{"ok":true}'
        connections = list(server.server_state.connections)
        assert len(connections) == 1
        live = connections[0].transport.get_extra_info('socket')
        assert live.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
        c.close()
    finally:
        server.should_exit = True; thread.join(10); sock.close()
