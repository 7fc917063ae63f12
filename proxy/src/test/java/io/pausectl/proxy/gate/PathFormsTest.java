package io.pausectl.proxy.gate;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class PathFormsTest {
    @Test
    void aPlainPathIsItsOnlyForm() {
        assertThat(PathForms.of("/orders/1")).containsExactly("/orders/1");
    }

    @Test
    void theNormalFormFollowsRfc3986() {
        assertThat(PathForms.decodeUnreserved("/%6frders/%c3%a9%2f")).isEqualTo("/orders/%C3%A9%2F");
        // Found by ScopeMatcherFuzzTest: a stray '%' must not join a decoded character into an escape.
        assertThat(PathForms.canonical("/3//%%626")).isEqualTo("/3/%25b6");
        assertThat(PathForms.canonical(PathForms.canonical("/3//%%626"))).isEqualTo("/3/%25b6");
        assertThat(PathForms.removeDotSegments("/a/b/c/./../../g")).isEqualTo("/a/g");
        assertThat(PathForms.removeDotSegments("/a/..")).isEqualTo("/");
        assertThat(PathForms.removeDotSegments("/../../x")).isEqualTo("/x");
        assertThat(PathForms.removeDotSegments("/a/.")).isEqualTo("/a/");
        assertThat(PathForms.removeDotSegments("*")).isEqualTo("*");
    }

    @Test
    void mergingBeforeOrAfterDotSegmentsAreBothKept() {
        // RFC 3986 removes the empty segment; nginx merges the slashes first.
        assertThat(PathForms.of("/a//../orders")).contains("/a/orders", "/orders");
    }

    @Test
    void theLooseFormUndoesWhatLenientOriginsUndo() {
        assertThat(PathForms.loose("/x%2F..%2Forders")).isEqualTo("/orders");
        assertThat(PathForms.loose("/%256Frders")).isEqualTo("/orders");
        assertThat(PathForms.loose("/orders;jsessionid=1/2")).isEqualTo("/orders/2");
        assertThat(PathForms.loose("/a\\..\\orders")).isEqualTo("/orders");
    }

    @Test
    void bypassNeedsEveryFormUnderItAndScopeAnyForm() {
        List<String> bypass = List.of(PathForms.prefixForms(List.of("/healthz")));
        assertThat(PathForms.allUnder("/healthz/ready", bypass)).isTrue();
        assertThat(PathForms.allUnder("/healthz/../orders", bypass)).isFalse();
        String[] scope = PathForms.prefixForms(List.of("/orders"));
        assertThat(PathForms.anyUnder("/healthz/../orders", scope)).isTrue();
        assertThat(PathForms.anyUnder("/status", scope)).isFalse();
    }

    @Test
    void hostsCompareWithoutCasePortOrTrailingDot() {
        assertThat(ScopeMatcher.canonicalHost("API.Example.COM.:80")).isEqualTo("api.example.com");
        assertThat(ScopeMatcher.canonicalHost("[::1]:80")).isEqualTo("[::1]");
        assertThat(ScopeMatcher.canonicalHost("[::1]")).isEqualTo("[::1]");
    }
}
