package io.pausectl.cli;

import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.nio.charset.Charset;
import java.util.concurrent.TimeUnit;

/** The {@code pausectl} executable: wires the real world into the command line and exits with its code. */
public final class PausectlMain {
    private PausectlMain() {
    }

    public static void main(String[] args) {
        Charset charset = Charset.defaultCharset();
        PrintWriter out = new PrintWriter(new OutputStreamWriter(System.out, charset), true);
        PrintWriter err = new PrintWriter(new OutputStreamWriter(System.err, charset), true);
        CliContext context = new CliContext(System.getenv(), stderrIsTerminal(), TargetFactory.real(),
                new PosixSignals(), holder());
        int code = PausectlCommand.commandLine(context, out, err).execute(args);
        out.flush();
        err.flush();
        System.exit(code);
    }

    /**
     * Whether file descriptor 2 is a terminal. The JDK cannot tell ({@code System.console()} looks at
     * stdin and stdout), so ask {@code test -t 2} with our own stderr inherited.
     */
    static boolean stderrIsTerminal() {
        try {
            Process test = new ProcessBuilder("test", "-t", "2")
                    .redirectInput(ProcessBuilder.Redirect.INHERIT)
                    .redirectError(ProcessBuilder.Redirect.INHERIT)
                    .start();
            return test.waitFor(2, TimeUnit.SECONDS) && test.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Who holds the leases this process takes: {@code pausectl/USER@HOST:PID}. */
    static String holder() {
        String host = System.getenv("HOSTNAME");
        if (host == null || host.isBlank()) {
            try {
                host = InetAddress.getLocalHost().getHostName();
            } catch (IOException e) {
                host = "localhost";
            }
        }
        return "pausectl/" + System.getProperty("user.name", "?") + "@" + host + ":" + ProcessHandle.current().pid();
    }
}
