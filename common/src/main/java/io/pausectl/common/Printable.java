package io.pausectl.common;

/**
 * Free text from outside (a lease's reason or holder, a value a user typed) made safe to put in a
 * log line or a one-line message: no character of it can end the line or start a forged one.
 */
public final class Printable {
    private Printable() {
    }

    /**
     * Whether the text holds a control character: C0 (U+0000–U+001F, CR and LF among them), DEL,
     * C1 (U+0080–U+009F), or a Unicode line or paragraph separator (U+2028, U+2029).
     */
    public static boolean hasControl(String text) {
        for (int i = 0; i < text.length(); i++) {
            if (isControl(text.charAt(i))) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether the text holds half of a UTF-16 surrogate pair without the other half (JSON's
     * {@code "\ud800"}): not Unicode text, so it cannot be written as UTF-8 (RFC 8259 §8.2).
     */
    public static boolean hasLoneSurrogate(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The text with every character {@link #hasControl} looks for, and every lone surrogate, written as {@code \n},
     * {@code \r}, {@code \t} or {@code \}{@code uXXXX}, and every backslash doubled, so that the
     * escaped text is unambiguous and one line. Null stays null.
     */
    public static String escape(String text) {
        if (text == null) {
            return null;
        }
        StringBuilder out = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            String replacement;
            if (c == '\\') {
                replacement = "\\\\";
            } else if (c == '\n') {
                replacement = "\\n";
            } else if (c == '\r') {
                replacement = "\\r";
            } else if (c == '\t') {
                replacement = "\\t";
            } else if (isControl(c) || Character.isSurrogate(c) && !paired(text, i)) {
                replacement = String.format("\\u%04x", (int) c);
            } else {
                if (out != null) {
                    out.append(c);
                }
                continue;
            }
            if (out == null) {
                out = new StringBuilder(text.length() + 16).append(text, 0, i);
            }
            out.append(replacement);
        }
        return out == null ? text : out.toString();
    }

    private static boolean paired(String text, int i) {
        char c = text.charAt(i);
        return Character.isHighSurrogate(c) ? i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))
                : i > 0 && Character.isHighSurrogate(text.charAt(i - 1));
    }

    private static boolean isControl(char c) {
        return c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == '\u2028' || c == '\u2029';
    }
}
