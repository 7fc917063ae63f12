package io.pausectl.cli;

import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
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
        int code;
        if (System.getenv(CdsTraining.ENV) != null) {
            try {
                code = CdsTraining.run(context);
            } catch (IOException | RuntimeException e) {
                err.println("pausectl: the class-data-sharing training run failed: " + e);
                code = ExitCodes.ERROR;
            }
        } else {
            code = PausectlCommand.commandLine(context, out, err, args).execute(args);
        }
        out.flush();
        err.flush();
        System.exit(code);
    }

    /**
     * Whether file descriptor 2 is a terminal. The JDK cannot tell ({@code System.console()} looks at
     * stdin and stdout). On Linux, where {@code /proc/self/fd/2} names the file, a terminal is a
     * {@code /dev/pts/N}, {@code /dev/ttyN} or {@code /dev/console}: one read link, no child process
     * (which cost a fork and a reaper thread on every call). Elsewhere, ask {@code test -t 2} with our
     * own stderr inherited.
     */
    static boolean stderrIsTerminal() {
        try {
            String target = Files.readSymbolicLink(Path.of("/proc/self/fd/2")).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty") || target.equals("/dev/console");
        } catch (IOException | UnsupportedOperationException e) {
            return testMinusT2();
        }
    }

    private static boolean testMinusT2() {
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

    /**
     * Who holds the leases this process takes: {@code pausectl/USER@HOST:PID}. The host is
     * {@code $HOSTNAME}, else the kernel's host name ({@code /proc/sys/kernel/hostname}, then
     * {@code /etc/hostname}): never a name-service lookup, which could wait on DNS at every call.
     */
    static String holder() {
        return "pausectl/" + System.getProperty("user.name", "?") + "@" + hostName() + ":" + pid();
    }

    /**
     * This process's id: on Linux the name {@code /proc/self} links to, one read link; elsewhere
     * {@link ProcessHandle}, whose set-up (a reaper thread pool's, native look-ups) is a few percent
     * of a short call's CPU.
     */
    static long pid() {
        try {
            return Long.parseLong(Files.readSymbolicLink(Path.of("/proc/self")).toString());
        } catch (IOException | RuntimeException e) {
            return ProcessHandle.current().pid();
        }
    }

    /**
     * This machine's name: {@code $HOSTNAME}, else the kernel's host name ({@code /proc/sys/kernel/hostname},
     * then {@code /etc/hostname}), else {@code localhost}; never a name-service lookup.
     */
    static String hostName() {
        String host = System.getenv("HOSTNAME");
        for (String file : new String[] {"/proc/sys/kernel/hostname", "/etc/hostname"}) {
            if (host != null && !host.isBlank()) {
                break;
            }
            try {
                host = Files.readString(Path.of(file)).strip();
            } catch (IOException | RuntimeException e) {
                host = null;
            }
        }
        return host == null || host.isBlank() ? "localhost" : host;
    }
}
