package io.pausectl.bench.load;

import io.pausectl.bench.scenario.PassthroughScenario;
import io.pausectl.bench.upstream.RequestIds;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ParsingTest {

    @Test
    void requestIdsRoundTripAndForeignIdsAreRecognised() {
        String id = RequestIds.format("abc123", 4711);
        assertThat(RequestIds.runOf(id)).isEqualTo("abc123");
        assertThat(RequestIds.seqOf(id)).isEqualTo(4711);
        assertThat(RequestIds.seqOf("abc-x1")).isEqualTo(-1);
        assertThat(RequestIds.seqOf("abc-")).isEqualTo(-1);
        assertThat(RequestIds.runOf("nodash")).isNull();
        assertThat(RequestIds.runOf(null)).isNull();
        assertThat(RequestIds.seqOf("r-99999999999999999999999")).isEqualTo(-1);
    }

    @Test
    void theHoldIsReadFromServerTiming() {
        assertThat(ClientConnectionHandler.heldMillis("pause;dur=3012")).isEqualTo(3012);
        assertThat(ClientConnectionHandler.heldMillis("db;dur=5, pause;desc=\"held\";dur=12.6")).isEqualTo(13);
        assertThat(ClientConnectionHandler.heldMillis("db;dur=5")).isEqualTo(-1);
        assertThat(ClientConnectionHandler.heldMillis("pause;dur=abc")).isEqualTo(-1);
        assertThat(ClientConnectionHandler.heldMillis(null)).isEqualTo(-1);
    }

    @Test
    void passThroughTargetsAreNameEqualsUrl() {
        PassthroughScenario.Target t = PassthroughScenario.Target.parse("proxy=http://127.0.0.1:8080");
        assertThat(t.name()).isEqualTo("proxy");
        assertThat(t.uri().getPort()).isEqualTo(8080);
        assertThatThrownBy(() -> PassthroughScenario.Target.parse("http://127.0.0.1:8080"))
                .hasMessageContaining("NAME=URL");
        assertThatThrownBy(() -> PassthroughScenario.Target.parse("x=https://127.0.0.1:8443"))
                .hasMessageContaining("http://host:port");
    }
}
