package io.pausectl.cli.target;

/** The lease named is no longer held by the target (the admin API's 404). */
public class LeaseGoneException extends TargetException {
    private static final long serialVersionUID = 1L;

    public LeaseGoneException(String message) {
        super(message);
    }
}
