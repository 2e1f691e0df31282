package dev.wharf.sources.build;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** Which images a build pulls before it runs without network. */
class BaseImagesTest {

    @Test
    void fromLinesExceptScratchAndStages() {
        String dockerfile = """
                # syntax=docker/dockerfile:1
                FROM --platform=linux/amd64 golang:1.22 AS build
                RUN go build
                from build as test
                FROM scratch
                COPY --from=build /app /app
                COPY --from=0 /x /x
                COPY --from=docker.io/library/busybox:latest /bin/sh /bin/sh
                """;
        assertThat(BaseImages.of(dockerfile, Map.of()))
                .containsExactly("golang:1.22", "docker.io/library/busybox:latest");
    }

    @Test
    void globalArgsAndBuildArgsExpand() {
        String dockerfile = """
                ARG REGISTRY=127.0.0.1:5000
                ARG TAG
                ARG FLAVOUR=slim
                FROM ${REGISTRY}/base:${TAG:-latest}-$FLAVOUR
                ARG LATER=ignored
                FROM alpine:${LATER:-3}
                """;
        assertThat(BaseImages.of(dockerfile, Map.of())).containsExactly("127.0.0.1:5000/base:latest-slim",
                "alpine:3");
        assertThat(BaseImages.of(dockerfile, Map.of("TAG", "1.0", "REGISTRY", "r.example")))
                .containsExactly("r.example/base:1.0-slim", "alpine:3");
    }

    @Test
    void continuationsMountsAndEscapeDirective() {
        String dockerfile = "# escape=`\nFROM `\n debian:12\nRUN --mount=type=cache,target=/c `\n"
                + " --mount=type=bind,from=tools:1,target=/t true\n";
        assertThat(BaseImages.instructions(dockerfile)).hasSize(2);
        assertThat(BaseImages.of("FROM \\\n  debian:12\nRUN --mount=type=bind,from=tools:1,target=/t true\n",
                Map.of())).containsExactly("debian:12", "tools:1");
    }

    @Test
    void baseImagesOnHostLoopbackAreRefusedButThisWharfIsNot() {
        assertThat(BaseImagePolicy.refusal("127.0.0.1:6379/x/y", "127.0.0.1:8080")).contains("loopback");
        assertThat(BaseImagePolicy.refusal("localhost:5432/x", "127.0.0.1:8080")).contains("loopback");
        assertThat(BaseImagePolicy.refusal("169.254.169.254/latest/meta", null)).contains("link-local");
        assertThat(BaseImagePolicy.refusal("[::1]:80/x", null)).contains("loopback");
        assertThat(BaseImagePolicy.refusal("127.0.0.1:8080/admin/base:1", "127.0.0.1:8080")).isNull();
        assertThat(BaseImagePolicy.refusal("localhost:8080/admin/base:1", "127.0.0.1:8080")).isNull();
        assertThat(BaseImagePolicy.refusal("alpine:3", "127.0.0.1:8080")).isNull();
        assertThat(BaseImagePolicy.refusal("library/alpine", "127.0.0.1:8080")).isNull();
    }

    @Test
    void pathsInsideTheSandbox() {
        java.nio.file.Path work = java.nio.file.Path.of("/data/builds/j1");
        assertThat(Sandbox.inside(work, work)).isEqualTo("/build");
        assertThat(Sandbox.inside(work, work.resolve("context/app"))).isEqualTo("/build/context/app");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Sandbox.inside(work, java.nio.file.Path.of("/etc")))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
