package dev.wharf.hub;

import dev.wharf.images.DeleteImagesReport;
import dev.wharf.images.Image;
import dev.wharf.images.ImagesSummary;
import dev.wharf.images.Paged;
import dev.wharf.storage.meta.ImageTag;
import io.javalin.http.Context;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/** Response bodies of the image endpoints ({@link ImageEndpoint}), member for member as the contract names them. */
final class ImageBodies {

    private ImageBodies() {}

    static Map<String, Object> summary(ImagesSummary s) {
        Map<String, Object> statistics = new LinkedHashMap<>();
        statistics.put("total", s.total());
        statistics.put("active", s.active());
        statistics.put("inactive", s.inactive());
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("active_from", HubJson.time(s.activeFrom()));
        body.put("statistics", statistics);
        return body;
    }

    static Map<String, Object> images(Context ctx, Paged<Image> page) {
        return paged(ctx, page, i -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("namespace", i.namespace());
            m.put("repository", i.repository());
            m.put("digest", i.digest().toString());
            m.put("tags", i.tags().stream().map(ImageBodies::tag).toList());
            m.put("last_pushed", HubJson.time(i.lastPushed()));
            m.put("last_pulled", HubJson.time(i.lastPulled()));
            m.put("status", i.active() ? "active" : "inactive");
            return m;
        });
    }

    static Map<String, Object> tags(Context ctx, Paged<ImageTag> page) {
        return paged(ctx, page, ImageBodies::tag);
    }

    private static Map<String, Object> tag(ImageTag t) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("tag", t.tag());
        m.put("is_current", t.current());
        return m;
    }

    private static <T> Map<String, Object> paged(Context ctx, Paged<T> page, Function<T, Object> item) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("count", page.total());
        body.put("next", page.hasNext() ? link(ctx, page.page() + 1) : null);
        body.put("previous", page.hasPrevious() ? link(ctx, (int) Math.min(page.page() - 1L, lastPage(page))) : null);
        body.put("results", page.items().stream().map(item).toList());
        return body;
    }

    /** From beyond the end, "previous" leads back to the last page that has results. */
    private static long lastPage(Paged<?> page) {
        return Math.max(1, (page.total() + page.pageSize() - 1) / page.pageSize());
    }

    /**
     * The same request with another page: every other query parameter kept, so filters and ordering carry over
     * (unlike {@link Pages}'s links, which only the token listings use). These links are nullable in the contract.
     */
    private static String link(Context ctx, long page) {
        List<String> query = new ArrayList<>();
        ctx.queryParamMap().forEach((name, values) -> {
            if (name.equals("page")) return;
            for (String v : values) query.add(encode(name) + "=" + encode(v));
        });
        query.add("page=" + page);
        return ctx.scheme() + "://" + ctx.host() + ctx.path() + "?" + String.join("&", query);
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    static Map<String, Object> deleted(DeleteImagesReport r) {
        DeleteImagesReport.Metrics m = r.metrics();
        Map<String, Object> metrics = new LinkedHashMap<>();
        metrics.put("manifest_deletes", m.manifestDeletes());
        metrics.put("manifest_errors", m.manifestErrors());
        metrics.put("tag_deletes", m.tagDeletes());
        metrics.put("tag_errors", m.tagErrors());
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("dry_run", r.dryRun());
        body.put("metrics", metrics);
        return body;
    }

    /** {@code PostNamespacesDeleteImagesResponseError}, with the Hub error's {@code detail} as well. */
    static Map<String, Object> refused(DeleteImagesReport r) {
        List<Map<String, Object>> errors = r.errors().stream().map(p -> problem(p, "error")).toList();
        List<Map<String, Object>> warnings = r.warnings().stream().map(p -> problem(p, "warning")).toList();
        String message = errors.isEmpty()
                ? "deletion needs confirmation: repeat the warnings in ignore_warnings to proceed"
                : "deletion not possible: see errinfo.details.errors";
        Map<String, Object> errinfo = new LinkedHashMap<>();
        errinfo.put("api_call_name", "PostNamespacesDeleteImages");
        errinfo.put("type", "validation");
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("errors", errors);
        details.put("warnings", warnings);
        errinfo.put("details", details);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("detail", message);
        body.put("message", message);
        body.put("errinfo", errinfo);
        return body;
    }

    private static Map<String, Object> problem(DeleteImagesReport.Problem p, String kind) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("repository", p.repository());
        m.put("digest", p.digest());
        m.put(kind, p.code());
        if (p.tags() != null) m.put("tags", p.tags());
        return m;
    }
}
