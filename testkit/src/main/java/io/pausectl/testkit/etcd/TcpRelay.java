package io.pausectl.testkit.etcd;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A TCP relay on a free loopback port in front of one address, for partition tests: while
 * {@linkplain #blackhole() blackholed} it keeps every connection open and accepts new ones but
 * forwards nothing either way (bytes read are discarded), as a network partition looks to both
 * sides: no reset, no FIN, only silence. {@link #heal()} closes the connections that went through
 * the partition (their streams lost bytes) and relays new ones again.
 */
public final class TcpRelay implements AutoCloseable {
    private final InetSocketAddress target;
    private final ServerSocket server;
    private final Set<Link> links = ConcurrentHashMap.newKeySet();
    private volatile boolean blackholed;
    private volatile boolean closed;

    /** A client connection and its upstream twin; {@code partitioned} once it lived through a blackhole. */
    private static final class Link {
        final Socket client;
        final Socket upstream;
        volatile boolean partitioned;

        Link(Socket client, Socket upstream) {
            this.client = client;
            this.upstream = upstream;
        }

        void close() {
            closeQuietly(client);
            closeQuietly(upstream);
        }
    }

    private TcpRelay(InetSocketAddress target, ServerSocket server) {
        this.target = target;
        this.server = server;
    }

    /** Starts a relay to {@code 127.0.0.1:targetPort}. */
    public static TcpRelay start(int targetPort) throws IOException {
        ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        TcpRelay relay = new TcpRelay(new InetSocketAddress(InetAddress.getLoopbackAddress(), targetPort), server);
        Thread acceptor = new Thread(relay::acceptLoop, "tcp-relay-accept-" + server.getLocalPort());
        acceptor.setDaemon(true);
        acceptor.start();
        return relay;
    }

    /** The relay's own port. */
    public int port() {
        return server.getLocalPort();
    }

    /** {@code http://127.0.0.1:PORT}, the relay as an etcd endpoint. */
    public String url() {
        return "http://127.0.0.1:" + port();
    }

    /** From now on nothing is forwarded, either way, on any connection (old or new). */
    public void blackhole() {
        blackholed = true;
        links.forEach(l -> l.partitioned = true);
    }

    /** Ends the partition: connections that lived through it are closed, new ones are relayed. */
    public void heal() {
        blackholed = false;
        for (Link l : links) {
            if (l.partitioned) {
                links.remove(l);
                l.close();
            }
        }
    }

    private void acceptLoop() {
        while (!closed) {
            Socket client;
            try {
                client = server.accept();
            } catch (IOException e) {
                return;
            }
            Socket upstream = new Socket();
            try {
                if (!blackholed) {
                    upstream.connect(target, 2000);
                }
            } catch (IOException e) {
                closeQuietly(client);
                closeQuietly(upstream);
                continue;
            }
            Link link = new Link(client, upstream);
            link.partitioned = blackholed;
            links.add(link);
            pump(link, true);
            if (upstream.isConnected()) {
                pump(link, false);
            }
        }
    }

    private void pump(Link link, boolean fromClient) {
        Thread t = new Thread(() -> {
            byte[] buffer = new byte[16 * 1024];
            try {
                InputStream in = (fromClient ? link.client : link.upstream).getInputStream();
                OutputStream out = fromClient ? (link.upstream.isConnected() ? link.upstream.getOutputStream() : null)
                        : link.client.getOutputStream();
                int n;
                while ((n = in.read(buffer)) >= 0) {
                    if (!link.partitioned && !blackholed && out != null) {
                        out.write(buffer, 0, n);
                        out.flush();
                    }
                }
            } catch (IOException e) {
                // the other side closed, or heal()/close() did
            }
            if (!link.partitioned) {
                links.remove(link);
                link.close();
            }
        }, "tcp-relay-" + port());
        t.setDaemon(true);
        t.start();
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // closing anyway
        }
    }

    /** Closes the listener and every connection. */
    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException e) {
            // closing anyway
        }
        links.forEach(Link::close);
        links.clear();
    }
}
