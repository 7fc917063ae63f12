package io.pausectl.proxy.config;

/**
 * Configuration that cannot be used. The message is one line fit to show a user: it names the
 * setting (as its flag), where the value came from, and why it was refused.
 */
public final class ConfigException extends Exception {
    public ConfigException(String message) {
        super(message);
    }
}
