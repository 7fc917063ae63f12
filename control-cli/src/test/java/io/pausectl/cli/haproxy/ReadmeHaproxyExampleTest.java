package io.pausectl.cli.haproxy;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The README's HAProxy examples name frontends that the shipped deploy/haproxy/haproxy.cfg
 * declares, so that they work pasted against it (issue 12 item 9: they said {@code www} where the
 * config says {@code fe_http}).
 */
class ReadmeHaproxyExampleTest {
    private static final Pattern FRONTEND_OPTION = Pattern.compile("--frontend\\s+([^\\s`]+)");
    private static final Pattern FRONTEND_SECTION = Pattern.compile("(?m)^frontend\\s+(\\S+)");

    private static List<String> all(Pattern pattern, String text) {
        List<String> names = new ArrayList<>();
        Matcher m = pattern.matcher(text);
        while (m.find()) {
            // NAME and the like are placeholders of a synopsis, not examples.
            if (!m.group(1).equals(m.group(1).toUpperCase(java.util.Locale.ROOT))) {
                names.add(m.group(1));
            }
        }
        return names;
    }

    @Test
    void everyFrontendTheReadmeNamesIsOneTheShippedConfigDeclares() throws IOException {
        Path deploy = HaproxyIntegrationTest.deployDir();
        String readme = Files.readString(deploy.getParent().getParent().resolve("README.md"));
        List<String> shipped = all(FRONTEND_SECTION, Files.readString(deploy.resolve("haproxy.cfg")));

        List<String> named = new ArrayList<>(all(FRONTEND_OPTION, readme));
        named.addAll(all(FRONTEND_SECTION, readme));

        assertThat(shipped).isNotEmpty();
        assertThat(named).as("frontends the README names").isNotEmpty();
        assertThat(shipped).as("frontends of deploy/haproxy/haproxy.cfg").containsAll(named);
    }
}
