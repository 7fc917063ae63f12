package io.pausectl.cli.haproxy;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@code show sess} as HAProxy 2.6.12 and 3.0.11 print it (captured from both, addresses kept). */
class ShowSessTest {
    private static final String V26 = String.join("\n",
            "0x55858172ffb0: proto=tcpv4 src=127.0.0.1:38024 fe=fe_main be=<NONE> srv=<none> ts=00 epoch=0x2 age=1s"
                    + " calls=6 rate=5 cpu=0 lat=0 rq[f=40480000h,i=16384,an=30h,rx=,wx=,ax=0s] rp[f=80000000h,i=0,an=00h,rx=,wx=,ax=]"
                    + " scf=[8,0h,fd=15] scb=[0,1h,fd=-1] exp=0s rc=0 c_exp=",
            "0x7f37a4039d90: proto=tcpv4 src=127.0.0.1:38020 fe=fe_main be=be_app srv=s1 ts=00 epoch=0x1 age=1s calls=2"
                    + " rate=0 cpu=0 lat=0 rq[f=49c40080h,i=0,an=8000h,rx=,wx=,ax=] rp[f=80400000h,i=0,an=1400000h,rx=29s,wx=,ax=]"
                    + " scf=[8,80h,fd=13] scb=[8,11h,fd=14] exp=1s rc=0 c_exp=",
            "0x7f37a4047eb0: proto=unix_stream src=unix:1 fe=GLOBAL be=<NONE> srv=<none> ts=00 epoch=0x2 age=0s calls=1"
                    + " rate=1 cpu=0 lat=0 rq[f=c08002h,i=0,an=00h,rx=10s,wx=,ax=] rp[f=80008002h,i=0,an=00h,rx=,wx=,ax=]"
                    + " scf=[8,0h,fd=16] scb=[8,1h,fd=-1] exp=10s rc=0 c_exp=",
            "", "");
    private static final String V30 = String.join("\n",
            "0x558a1e75f4e0: proto=tcpv4 src=127.0.0.1:41214 fe=fe_main be=be_app srv=s1 ts=00 epoch=0 age=0s calls=2"
                    + " rate=0 cpu=0 lat=0 rq[f=848000h,i=0,an=8000h,ax=] rp[f=80000000h,i=0,an=1400000h,ax=]"
                    + " scf=[8,402h,fd=19,rex=,wex=] scb=[8,1411h,fd=20,rex=29s,wex=] exp=1s rc=0 c_exp=",
            "0x558a1e8ee9c0: proto=unix_stream src=unix:1 fe=GLOBAL be=<NONE> srv=<none> ts=00 epoch=0x3 age=0s calls=1"
                    + " rate=0 cpu=0 lat=0 rq[f=848000h,i=0,an=00h,ax=] rp[f=80008000h,i=0,an=00h,ax=]"
                    + " scf=[8,0h,fd=17,rex=10s,wex=] scb=[8,1h,fd=-1,rex=,wex=] exp=10s rc=0 c_exp=",
            "0x7f3ac4053180: proto=tcpv4 src=127.0.0.1:41218 fe=fe_main be=be_app srv=s1 ts=00 epoch=0x3 age=0s calls=2"
                    + " rate=0 cpu=0 lat=0 rq[f=848000h,i=0,an=8000h,ax=] rp[f=80000000h,i=0,an=1400000h,ax=]"
                    + " scf=[8,402h,fd=21,rex=,wex=] scb=[8,1411h,fd=23,rex=29s,wex=] exp=1s rc=0 c_exp=",
            "");

    @Test
    void readsTheBackendAndTheEpochOfEveryStreamOnBothVersions() {
        assertThat(ShowSess.parse(V26).streams()).containsExactly(new ShowSess.Stream("<NONE>", 2),
                new ShowSess.Stream("be_app", 1), new ShowSess.Stream("<NONE>", 2));
        assertThat(ShowSess.parse(V30).streams()).containsExactly(new ShowSess.Stream("be_app", 0),
                new ShowSess.Stream("<NONE>", 3), new ShowSess.Stream("be_app", 3));
    }

    @Test
    void theDumpsEpochIsItsNewestAndOnlyStreamsOnABackendNotNewerCount() {
        ShowSess v26 = ShowSess.parse(V26);
        assertThat(v26.epoch()).isEqualTo(2);
        // The held stream (no backend) is not in flight; the one on be_app is, from epoch 1 on.
        assertThat(v26.onBackendNotNewerThan(2)).isEqualTo(1);
        assertThat(v26.onBackendNotNewerThan(1)).isEqualTo(1);
        assertThat(v26.onBackendNotNewerThan(0)).isZero();
        ShowSess v30 = ShowSess.parse(V30);
        assertThat(v30.epoch()).isEqualTo(3);
        assertThat(v30.onBackendNotNewerThan(3)).isEqualTo(2);
        assertThat(v30.onBackendNotNewerThan(2)).isEqualTo(1);
    }

    @Test
    void epochsCompareAcrossTheirWrapAsHaproxyComparesThem() {
        ShowSess wrapped = ShowSess.parse(String.join("\n",
                "0x1: proto=tcpv4 src=127.0.0.1:1 fe=fe be=be srv=s ts=00 epoch=0xfffffffe age=9s calls=1",
                "0x2: proto=tcpv4 src=127.0.0.1:2 fe=fe be=be srv=s ts=00 epoch=0x1 age=0s calls=1",
                "0x3: proto=unix_stream src=unix:1 fe=GLOBAL be=<NONE> srv=<none> ts=00 epoch=0x2 age=0s calls=1"));
        assertThat(wrapped.epoch()).isEqualTo(2);
        assertThat(wrapped.onBackendNotNewerThan(0xffffffffL)).isEqualTo(1);
        assertThat(wrapped.onBackendNotNewerThan(1)).isEqualTo(2);
        assertThat(ShowSess.newer(0, 0xffffffffL)).isTrue();
    }

    @Test
    void anAnswerWithoutStreamsIsRefused() {
        assertThatThrownBy(() -> ShowSess.parse("Unknown command.\n")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no stream");
    }
}
