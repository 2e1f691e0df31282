package dev.wharf.sources;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.wharf.jobs.JobFailure;
import dev.wharf.upstream.OutboundPolicy;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Issue 13, finding 5 for Git: a build's repository host is checked and pinned before git runs. */
class GitRemoteTest {
    @Test
    void findsTheHostOfEveryNetworkTransport() {
        assertThat(GitRemote.parse("https://git.example.com/team/app.git"))
                .isEqualTo(new GitRemote("https", "git.example.com", 443));
        assertThat(GitRemote.parse("ssh://git@git.example.com:2222/team/app.git"))
                .isEqualTo(new GitRemote("ssh", "git.example.com", 2222));
        assertThat(GitRemote.parse("git@git.example.com:team/app.git"))
                .isEqualTo(new GitRemote("ssh", "git.example.com", 22));
        assertThat(GitRemote.parse("git://git.example.com/app")).isEqualTo(new GitRemote("git", "git.example.com", 9418));
        assertThat(GitRemote.parse("file:///srv/repo")).isNull();
        assertThat(GitRemote.parse("/srv/repo")).isNull();
    }

    @Test
    void aRefusedHostFailsTheBuildBeforeGitRuns() {
        Map<String, String> env = new HashMap<>();
        for (String url : List.of("http://127.0.0.1:8080/x.git", "https://localhost/x.git", "git@169.254.169.254:x.git",
                "ssh://[::1]/x.git")) {
            assertThatThrownBy(() -> GitRemote.pin(url, OutboundPolicy.defaults(), env)).as(url)
                    .isInstanceOf(JobFailure.class)
                    .hasMessageContaining("address not allowed by outbound policy");
        }
    }

    @Test
    void gitIsPinnedToTheCheckedAddressAndFollowsNoRedirects() {
        OutboundPolicy loopback = OutboundPolicy.of(List.of("127.0.0.1/32"), OutboundPolicy.DEFAULT_DENY);
        Map<String, String> env = new HashMap<>();
        List<String[]> http = GitRemote.pin("http://localhost:8080/x.git", loopback, env);
        assertThat(http).anySatisfy(kv -> assertThat(kv).containsExactly("http.followRedirects", "false"));
        assertThat(http).anySatisfy(kv -> assertThat(kv).containsExactly("http.curloptResolve", "localhost:8080:127.0.0.1"));

        Map<String, String> sshEnv = new HashMap<>(Map.of("GIT_SSH_COMMAND", "ssh -i key"));
        GitRemote.pin("git@localhost:team/app.git", loopback, sshEnv);
        assertThat(sshEnv.get("GIT_SSH_COMMAND")).isEqualTo("ssh -i key -o HostName=127.0.0.1");
    }
}
