package io.pausectl.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.pausectl.api.AnswerReader;
import io.pausectl.api.ApiError;
import io.pausectl.api.CancelRequest;
import io.pausectl.api.HeldList;
import io.pausectl.api.HeldRequest;
import io.pausectl.api.MaintenanceRequest;
import io.pausectl.api.PauseRequest;
import io.pausectl.api.RecordWriter;
import io.pausectl.api.RenewRequest;
import io.pausectl.api.ResumeRequest;
import io.pausectl.api.Status;
import io.pausectl.cli.target.ConflictException;
import io.pausectl.cli.target.LeaseGoneException;
import io.pausectl.cli.target.PauseSpec;
import io.pausectl.cli.target.PauseTarget;
import io.pausectl.cli.target.TargetException;
import io.pausectl.common.Durations;

import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.channels.UnresolvedAddressException;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;

/**
 * A pause proxy driven through its admin API ({@code /v1/status}, {@code /v1/pause},
 * {@code /v1/pause/renew}, {@code /v1/resume}; {@code /v1/maintenance}, {@code /v1/held}), one
 * {@link AdminHttp} exchange per call: for a command that makes a call or two, start-up is most of
 * its cost (issue 12 item 7), and {@code java.net.http.HttpClient} sets up TLS and a selector thread
 * even for {@code http://}, {@code HttpURLConnection} service look-ups over the class path. Answers
 * are read by {@link AnswerReader}, a streaming reader of the API's records, not databind, whose
 * set-up alone was a third of a short call's CPU. Every call has a connect timeout and an answer
 * timeout (the longest silence while waiting for the answer; a pause's adds its {@code waitIdle},
 * since the proxy answers only once idle or when that wait ran out). No proxy from the environment
 * is used, and no request is sent twice. Errors become {@link TargetException}s whose message names
 * this target and says what to do.
 */
public final class AdminApiTarget implements PauseTarget {
    static {
        // HttpURLConnection (https:// targets) resends a POST whose kept-alive connection broke before
        // an answer: a pause or a cancel that reached the proxy could then be sent twice. Never resend.
        System.setProperty("sun.net.http.retryPost", "false");
    }

    private final URI base;
    private final String name;
    private final Optional<String> token;
    private final Duration timeout;

    /**
     * @param url     the admin API's base URL, e.g. {@code http://127.0.0.1:9901}
     * @param token   the bearer token, if the proxy wants one
     * @param timeout connect timeout, and request timeout of a call that does not wait
     * @throws IllegalArgumentException when the URL is not an http(s) URL with a host
     */
    public AdminApiTarget(String url, Optional<String> token, Duration timeout) {
        this.base = parseUrl(url);
        this.name = url;
        this.token = token;
        this.timeout = timeout;
    }

    static URI parseUrl(String url) {
        IllegalArgumentException malformed = new IllegalArgumentException("'" + url + "' is not an admin API URL:"
                + " write http://HOST:PORT, e.g. http://127.0.0.1:9901");
        URI uri;
        try {
            uri = URI.create(url.trim());
        } catch (IllegalArgumentException e) {
            throw malformed;
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https") || uri.getHost() == null) {
            throw malformed;
        }
        String path = uri.getRawPath() == null ? "" : uri.getRawPath();
        while (path.endsWith("/")) {
            path = path.substring(0, path.length() - 1);
        }
        return URI.create(scheme + "://" + uri.getRawAuthority() + path);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Status status() throws TargetException {
        return call("GET", "/v1/status", null, timeout, false);
    }

    @Override
    public Status pause(PauseSpec spec) throws TargetException {
        PauseRequest body = new PauseRequest(spec.reason(), spec.holder(), Durations.format(spec.ttl()),
                Durations.format(spec.waitIdle()), spec.scope(), null);
        return call("POST", "/v1/pause", body, timeout.plus(spec.waitIdle()), false);
    }

    @Override
    public Status renew(String leaseId, Duration ttl) throws TargetException {
        return call("POST", "/v1/pause/renew", new RenewRequest(leaseId, Durations.format(ttl)), timeout, true);
    }

    @Override
    public Status resume(String leaseId) throws TargetException {
        ResumeRequest body = leaseId == null ? new ResumeRequest(null, true) : new ResumeRequest(leaseId, null);
        return call("POST", "/v1/resume", body, timeout, true);
    }

    /**
     * Turns maintenance mode on ({@code POST /v1/maintenance}), or renews the one the body's lease names.
     *
     * @throws ConflictException when another maintenance is on
     * @throws LeaseGoneException when the named lease is no longer on
     */
    public Status maintenanceOn(MaintenanceRequest body) throws TargetException {
        return call("POST", "/v1/maintenance", body, timeout, body.lease() != null, Status.class);
    }

    /**
     * Turns maintenance mode off ({@code POST /v1/maintenance/off}): the one {@code leaseId} names, or
     * whichever is on when it is null.
     *
     * @throws LeaseGoneException when the named lease is not on
     */
    public Status maintenanceOff(String leaseId) throws TargetException {
        ResumeRequest body = leaseId == null ? new ResumeRequest(null, true) : new ResumeRequest(leaseId, null);
        return call("POST", "/v1/maintenance/off", body, timeout, true, Status.class);
    }

    /** The requests held now, oldest first, at most {@code limit} ({@code GET /v1/held}). */
    public HeldList held(int limit) throws TargetException {
        return call("GET", "/v1/held?limit=" + limit, null, timeout, false, HeldList.class);
    }

    /**
     * Answers the held request {@code id} 503 ({@code POST /v1/held/cancel}).
     *
     * @throws LeaseGoneException when no request with that id is held
     */
    public HeldRequest cancelHeld(long id) throws TargetException {
        return call("POST", "/v1/held/cancel", new CancelRequest(id), timeout, true, HeldRequest.class);
    }

    @Override
    public void close() {
        // Nothing to release: each call opens its connection and closes it (over https, idle
        // keep-alive connections are HttpURLConnection's, closed by it).
    }

    private Status call(String method, String path, Record body, Duration requestTimeout, boolean namesLease)
            throws TargetException {
        return call(method, path, body, requestTimeout, namesLease, Status.class);
    }

    private <T extends Record> T call(String method, String path, Record body, Duration requestTimeout, boolean namesLease,
                       Class<T> type) throws TargetException {
        AdminHttp http = new AdminHttp();
        AdminHttp.Answer answer;
        try {
            answer = http.exchange(base, method, path, token, body == null ? null : writeJson(body), timeout,
                    requestTimeout);
        } catch (SocketTimeoutException e) {
            if (!http.connected()) {
                throw new TargetException(TargetException.Kind.UNREACHABLE, name + ": no connection within "
                        + Durations.format(timeout)
                        + " (is the address right, and the admin API listening there?)", e);
            }
            throw new TargetException(TargetException.Kind.UNREACHABLE, name + ": no answer to " + method + " "
                    + path + " within " + Durations.format(requestTimeout), e);
        } catch (UnknownHostException e) {
            throw new TargetException(TargetException.Kind.UNREACHABLE, name + ": unknown host '"
                    + base.getHost() + "' (no address for it): is the name right?", e);
        } catch (ConnectException | NoRouteToHostException e) {
            String why = e.getMessage() == null || e.getMessage().equalsIgnoreCase("Connection refused")
                    ? "connection refused" : describe(e);
            throw new TargetException(TargetException.Kind.UNREACHABLE, name + ": cannot connect (" + why
                    + "): is pause-proxy running with its admin API (--admin-listen) there?", e);
        } catch (IOException e) {
            throw new TargetException(name + ": " + method + " " + path + " failed: " + describe(e), e);
        } finally {
            if (Thread.interrupted()) {
                // Blocking socket calls are not interruptible; keep the interrupt for the caller.
                Thread.currentThread().interrupt();
            }
        }
        return answer(method + " " + path, answer.code(), answer.body(), namesLease, type);
    }

    private <T extends Record> T answer(String what, int code, String body, boolean namesLease, Class<T> type)
            throws TargetException {
        if (code == 200) {
            try {
                return AnswerReader.read(body, type);
            } catch (JsonProcessingException e) {
                throw new TargetException(name + ": " + what + " answered 200 with a body that is not "
                        + (type == Status.class ? "a status object" : "the expected " + type.getSimpleName())
                        + " (is this a pause-proxy admin API?): " + e.getOriginalMessage(), e);
            }
        }
        String detail = errorMessage(body);
        switch (code) {
            case 401:
            case 403:
                throw new TargetException(TargetException.Kind.TOKEN_REFUSED, name + ": token refused (HTTP " + code
                        + ")" + detail + "; give the admin token with --token-file FILE or PAUSECTL_TOKEN", null);
            case 404:
                if (namesLease && (what.endsWith("/v1/pause/renew") || what.endsWith("/v1/resume"))) {
                    throw new LeaseGoneException(name + ": the lease is no longer held (expired, or resumed"
                            + " by force)" + detail);
                }
                if (namesLease && !detail.isEmpty() && !detail.contains("no endpoint")) {
                    throw new LeaseGoneException(name + detail);
                }
                if (what.contains("/v1/held") || what.contains("/v1/maintenance")) {
                    throw new TargetException(name + ": " + what + " answered 404: this pause-proxy is older than"
                            + " maintenance mode and the held list (upgrade it)" + detail);
                }
                throw new TargetException(name + ": " + what + " answered 404 (is this a pause-proxy admin API?)"
                        + detail);
            case 409:
                // The proxy's own sentence names the lease, its holder and reason; say it once.
                throw new ConflictException(name + ": " + (detail.isEmpty() ? "already paused by another lease"
                        : detail.substring(2)));
            default:
                throw new TargetException(name + ": " + what + " answered HTTP " + code + detail);
        }
    }

    /** The admin API's error sentence, or the start of whatever the body is, prefixed for a message. */
    private static String errorMessage(String body) {
        if (body == null || body.isBlank()) {
            return "";
        }
        try {
            ApiError error = AnswerReader.read(body, ApiError.class);
            if (error.message() != null && !error.message().isBlank()) {
                return ": " + error.message();
            }
        } catch (JsonProcessingException e) {
            // not an ApiError: show the body itself, shortened
        }
        String text = body.strip().replaceAll("\\s+", " ");
        return ": " + (text.length() > 200 ? text.substring(0, 200) + "..." : text);
    }

    /** A request's body, written without databind (its set-up was a third of a pause call's CPU). */
    private static byte[] writeJson(Record body) {
        return RecordWriter.writeBytes(body);
    }

    private static String describe(Throwable e) {
        String message = null;
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof UnresolvedAddressException) {
                return "unknown host";
            }
            if (t.getMessage() != null && !t.getMessage().isBlank()) {
                message = t.getMessage();
            }
        }
        return message == null ? e.getClass().getSimpleName() : message;
    }
}
