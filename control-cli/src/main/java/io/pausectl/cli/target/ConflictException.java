package io.pausectl.cli.target;

/** Another lease already holds a pause on the target (the admin API's 409). */
public class ConflictException extends TargetException {
    private static final long serialVersionUID = 1L;

    public ConflictException(String message) {
        super(message);
    }
}
