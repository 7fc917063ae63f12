package io.pausectl.bench.scenario;

import io.pausectl.bench.load.LoadGenerator;
import io.pausectl.bench.load.LoadResult;
import io.pausectl.bench.load.LoadSpec;
import io.pausectl.bench.upstream.SampleUpstream;
import io.pausectl.bench.upstream.UpstreamAnswer;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

import javax.xml.parsers.DocumentBuilderFactory;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class LatencyChartTest {

    @Test
    void drawsThePauseTheLatencyAndEveryLostAndFailedRequestAsWellFormedSvg() throws Exception {
        // seq 5 and 6 are lost, seq 9 fails, seq 20 stalls
        try (SampleUpstream upstream = SampleUpstream.start(1, (run, seq) ->
                seq == 5 || seq == 6 ? UpstreamAnswer.DROP
                        : seq == 9 ? UpstreamAnswer.status(500)
                        : seq == 20 ? UpstreamAnswer.delayed(300) : UpstreamAnswer.OK);
             LoadGenerator generator = new LoadGenerator(1)) {
            LoadSpec spec = LoadSpec.openLoop(upstream.uri(), 100, 60).answerGrace(Duration.ofSeconds(1)).build();
            upstream.openLedger(spec.runId(), spec.count());
            LoadResult r = generator.start(spec).result().get(30, TimeUnit.SECONDS);
            assertThat(r.lost()).isEqualTo(2);

            String svg = LatencyChart.render(r.log(), new LatencyChart.Span(200_000_000L, 500_000_000L, "proxy paused 300 ms"),
                    new LatencyChart.Span(150_000_000L, 600_000_000L, "pausectl run -- sleep 0.3"), "a <title> & more", "caption");

            Document doc = DocumentBuilderFactory.newInstance().newDocumentBuilder()
                    .parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
            assertThat(doc.getDocumentElement().getTagName()).isEqualTo("svg");
            assertThat(svg).contains("a &lt;title&gt; &amp; more").contains("proxy paused 300 ms", "pausectl run -- sleep 0.3");
            assertThat(count(doc, "path", "#d62728")).as("a cross per lost request, one in the legend").isEqualTo(3);
            assertThat(count(doc, "circle", "#d62728")).as("a dot per failed request, one in the legend").isEqualTo(2);
            assertThat(count(doc, "rect", "#ff9f1c")).as("the pause").isEqualTo(1);
            assertThat(doc.getElementsByTagName("polyline").getLength()).isPositive();
        }
    }

    private static int count(Document doc, String tag, String colour) {
        NodeList nodes = doc.getElementsByTagName(tag);
        int n = 0;
        for (int i = 0; i < nodes.getLength(); i++) {
            Element e = (Element) nodes.item(i);
            if (colour.equals(e.getAttribute("fill")) || colour.equals(e.getAttribute("stroke"))) {
                n++;
            }
        }
        return n;
    }

    @Test
    void ticksAreRound() {
        assertThat(LatencyChart.niceCeil(3.2)).isEqualTo(4);
        assertThat(LatencyChart.niceCeil(3120)).isEqualTo(4000);
        assertThat(LatencyChart.niceCeil(8.5)).isEqualTo(10);
        assertThat(LatencyChart.niceCeil(0.9)).isEqualTo(1);
        assertThat(LatencyChart.ticks(10)).containsExactly(0, 2, 4, 6, 8, 10);
    }
}
