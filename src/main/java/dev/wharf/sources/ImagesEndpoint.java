package dev.wharf.sources;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.wharf.jobs.Job;
import dev.wharf.jobs.JobStore;
import dev.wharf.model.ObjectId;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** {@code /v1/images}: create an image from a source, import it (a job), list, get, rename and delete it. */
final class ImagesEndpoint {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;
    private static final Set<String> METAS = Set.of("containers_count");
    private static final Set<String> INCLUDES = Set.of("creators", "sources", "integrations", "stack_builds", "stacks");
    /** Cycle's ImageState values, which {@code filter[state]} accepts (deleted images are never listed). */
    private static final Set<String> IMAGE_STATES = Set.of("new", "uploading", "downloading", "building", "verifying",
            "saving", "live", "deleting", "deleted");
    private static final List<String> CONTAINER_STATES = List.of("new", "starting", "running", "function", "stopping",
            "stopped", "deleting", "deleted");

    private final SourceService sources;
    private final SourceView sourceView;
    private final ImageStore images;
    private final JobStore jobs;
    private final HubGate gate;
    private final BuildLogStore buildLogs;
    private final Runnable wakeWorkers;
    private final Clock clock;

    ImagesEndpoint(SourceService sources, SourceView sourceView, ImageStore images, JobStore jobs,
            BuildLogStore buildLogs, HubGate gate, Runnable wakeWorkers, Clock clock) {
        this.sources = sources;
        this.sourceView = sourceView;
        this.images = images;
        this.jobs = jobs;
        this.buildLogs = buildLogs;
        this.gate = gate;
        this.wakeWorkers = wakeWorkers;
        this.clock = clock;
    }

    void register(JavalinConfig c) {
        c.routes.get("/v1/images", this::list);
        c.routes.post("/v1/images", this::create);
        c.routes.get("/v1/images/{imageId}", this::get);
        c.routes.patch("/v1/images/{imageId}", this::update);
        c.routes.delete("/v1/images/{imageId}", this::delete);
        c.routes.post("/v1/images/{imageId}/tasks", this::task);
        c.routes.get("/v1/images/{imageId}/build-log", this::buildLog);
        c.routes.post("/v1/images/tasks", this::imagesTask);
    }

    /**
     * {@code prune} (the only images-wide action): a {@link PruneJob} for {@code contents.source_ids}, each a
     * source the caller sees and may manage; 202 with the job's descriptor.
     */
    private void imagesTask(Context ctx) {
        Caller caller = CycleHttp.caller(ctx, gate);
        caller.require(Operation.PRUNE_IMAGES);
        JsonNode body = CycleHttp.body(ctx);
        if (!body.isObject()) throw CycleException.invalid("", "the request body must be a JSON object");
        if (!"prune".equals(Origins.text(body, "action", "", true))) {
            throw CycleException.invalid("/action", "the only images action is prune");
        }
        JsonNode contents = body.get("contents");
        if (contents == null || !contents.isObject()) {
            throw CycleException.invalid("/contents", "contents must be an object with source_ids");
        }
        JsonNode ids = contents.get("source_ids");
        if (ids == null || !ids.isArray() || ids.isEmpty()) {
            throw CycleException.invalid("/contents/source_ids", "source_ids must list the sources to prune");
        }
        ArrayNode checked = F.arrayNode();
        for (int n = 0; n < ids.size(); n++) {
            if (!ids.get(n).isTextual()) throw CycleException.invalid("/contents/source_ids/" + n, "must be a string");
            ImageSource source = sources.visible(caller, ids.get(n).asText());
            if (!Acl.allows(source.acl(), caller, Acl.Privilege.MANAGE)) {
                throw new CycleException(CycleError.PERMISSIONS, "the ACL of source " + source.id()
                        + " does not give your role (" + caller.role() + ") the manage privilege");
            }
            checked.add(source.id());
        }
        ObjectNode input = F.objectNode();
        input.set("source_ids", checked);
        Job job = jobs.submit(caller.hub(), PruneJob.TYPE, "Prune images", input, 5, caller.userId());
        wakeWorkers.run();
        CycleHttp.data(ctx, 202, JobView.descriptor("prune", job), null);
    }

    /** Renames the image; the only field Cycle's updateImage takes. */
    private void update(Context ctx) {
        Caller caller = CycleHttp.caller(ctx, gate);
        caller.require(Operation.RENAME_IMAGE);
        JsonNode body = CycleHttp.body(ctx);
        if (!body.isObject()) throw CycleException.invalid("", "the request body must be a JSON object");
        ImageStore.Image image = find(caller, ctx.pathParam("imageId"));
        ImageSource source = modifiable(caller, image, Acl.Privilege.MODIFY);
        if (body.has("name")) { // absent leaves the name; present must be a non-empty string
            images.rename(image.id(), Origins.text(body, "name", "", true), clock.millis());
        }
        CycleHttp.data(ctx, 200, view(images.find(caller.hub(), image.id()).orElseThrow(), source), null);
    }

    /**
     * Marks the image {@code deleting} and queues the job that removes its tag; Cycle answers 200 with the
     * job's descriptor. Deleting an image that is already being deleted queues the job again (it is idempotent),
     * which retries a deletion that failed.
     */
    private void delete(Context ctx) {
        Caller caller = CycleHttp.caller(ctx, gate);
        caller.require(Operation.DELETE_IMAGE);
        ImageStore.Image image = find(caller, ctx.pathParam("imageId"));
        modifiable(caller, image, Acl.Privilege.MANAGE);
        images.deleting(image.id(), clock.millis());
        // The contract has no job cancel: deleting an image is how its running import or build is stopped.
        SourceService.cancelJobs(jobs, caller.hub(), "image_id", image.id());
        ObjectNode input = F.objectNode().put("image_id", image.id());
        Job job = jobs.submit(caller.hub(), ImageDeleteJob.TYPE, "Delete image " + image.name(), input, 5,
                caller.userId());
        wakeWorkers.run();
        CycleHttp.data(ctx, 200, JobView.descriptor("delete", job), null);
    }

    /** The image's source, if the caller sees it and its ACL grants {@code privilege}; images follow their source. */
    private ImageSource modifiable(Caller caller, ImageStore.Image image, Acl.Privilege privilege) {
        ImageSource source = sources.findAny(caller.hub(), image.sourceId())
                .filter(s -> Acl.allows(s.acl(), caller, Acl.Privilege.VIEW)).orElseThrow(() -> notFound(image.id()));
        if (!Acl.allows(source.acl(), caller, privilege)) {
            throw new CycleException(CycleError.PERMISSIONS, "the ACL of this image's source does not give your role ("
                    + caller.role() + ") the " + privilege.name().toLowerCase(java.util.Locale.ROOT) + " privilege");
        }
        return source;
    }

    private void create(Context ctx) {
        Caller caller = CycleHttp.caller(ctx, gate);
        caller.require(Operation.CREATE_IMAGE);
        JsonNode body = CycleHttp.body(ctx);
        if (!body.isObject()) throw CycleException.invalid("", "the request body must be a JSON object");
        String sourceId = Origins.text(body, "source_id", "", true);
        ImageSource source = sources.visible(caller, sourceId);
        String name = Origins.text(body, "name", "", false);
        if (name == null) name = source.name();
        Instant now = clock.instant();
        ImageStore.Image image = new ImageStore.Image(ObjectId.random(), caller.hub(), source.id(), name,
                source.repository(), null, null, 0, caller.userId(), "new", now, null, now, now, null,
                build(body.get("build")), override(body.get("override")));
        images.insert(image);
        CycleHttp.data(ctx, 201, view(images.find(caller.hub(), image.id()).orElseThrow(), source), null);
    }

    /** {@code build}: {@code args} (name → value, passed as build arguments) and {@code use_disk} (kept, unused). */
    private static JsonNode build(JsonNode build) {
        if (build == null || build.isNull()) return null;
        if (!build.isObject()) throw CycleException.invalid("/build", "build must be an object");
        ObjectNode out = F.objectNode();
        JsonNode args = build.get("args");
        if (args != null && !args.isNull()) {
            if (!args.isObject()) throw CycleException.invalid("/build/args", "args must be an object of strings");
            ObjectNode kept = out.putObject("args");
            for (var it = args.fields(); it.hasNext(); ) {
                var a = it.next();
                if (!a.getValue().isTextual()) {
                    throw CycleException.invalid("/build/args/" + a.getKey(), "a build argument must be a string");
                }
                if (!a.getKey().matches("[A-Za-z_][A-Za-z0-9_]*")) {
                    throw CycleException.invalid("/build/args/" + a.getKey(), "not a build argument name: " + a.getKey());
                }
                kept.put(a.getKey(), a.getValue().asText());
            }
        }
        JsonNode useDisk = build.get("use_disk");
        if (useDisk != null && !useDisk.isNull()) {
            if (!useDisk.isBoolean()) throw CycleException.invalid("/build/use_disk", "use_disk must be a boolean");
            out.put("use_disk", useDisk.asBoolean());
        }
        return out;
    }

    /** {@code override}: another {@code target} (registry origins) or {@code targz_url} (docker-file) for this image. */
    private static JsonNode override(JsonNode override) {
        if (override == null || override.isNull()) return null;
        if (!override.isObject()) throw CycleException.invalid("/override", "override must be an object");
        ObjectNode out = F.objectNode();
        String target = Origins.text(override, "target", "/override", false);
        if (target != null) {
            if (!Origins.isTarget(target)) {
                throw CycleException.invalid("/override/target", "not an image reference (name[:tag] or name@digest): "
                        + target);
            }
            out.put("target", target);
        }
        String targz = Origins.text(override, "targz_url", "/override", false);
        if (targz != null) {
            if (!Origins.isHttpUrl(targz)) {
                throw CycleException.invalid("/override/targz_url", "not an http(s) URL without credentials: " + targz);
            }
            out.put("targz_url", targz);
        }
        return out;
    }

    /** Cycle's BuildLog of the image's latest build; 404 while the image has never been built. */
    private void buildLog(Context ctx) {
        Caller caller = CycleHttp.caller(ctx, gate);
        caller.require(Operation.VIEW_IMAGES);
        ImageStore.Image image = find(caller, ctx.pathParam("imageId"));
        sources.findAny(caller.hub(), image.sourceId()).filter(s -> Acl.allows(s.acl(), caller, Acl.Privilege.VIEW))
                .orElseThrow(() -> notFound(image.id()));
        BuildLogStore.Entry log = buildLogs.find(caller.hub(), image.id()).orElseThrow(() -> new CycleException(
                CycleError.BUILD_LOG_NOT_FOUND, "image " + image.id() + " has no build log: only images of docker-file"
                        + " sources are built, and this one has not been yet"));
        ObjectNode data = F.objectNode().put("id", log.id()).put("hub_id", log.hub()).put("image_id", log.imageId())
                .put("log", log.log());
        data.putObject("events").put("created", CycleTime.of(log.created())).put("updated", CycleTime.of(log.updated()))
                .put("deleted", CycleTime.of(null));
        CycleHttp.data(ctx, 200, data, null);
    }

    private void task(Context ctx) {
        Caller caller = CycleHttp.caller(ctx, gate);
        caller.require(Operation.IMPORT_IMAGE);
        JsonNode body = CycleHttp.body(ctx);
        String action = body.isObject() ? Origins.text(body, "action", "", true) : null;
        if (!"import".equals(action)) throw CycleException.invalid("/action", "the only image action is import");
        ImageStore.Image image = find(caller, ctx.pathParam("imageId"));
        if ("deleting".equals(image.state())) {
            throw new CycleException(CycleError.INVALID_STATE, "the image is being deleted");
        }
        ImageSource source = sources.visible(caller, image.sourceId());
        String originType = source.origin().path("type").asText();
        if (UploadEndpoint.ORIGIN.equals(originType)) {
            throw new CycleException(CycleError.NOT_COMPATIBLE, "images of cycle-upload sources are imported by"
                    + " uploading their tarball: POST /v1/images/" + image.id() + "/upload", "/origin/type");
        }
        ObjectNode input = F.objectNode().put("image_id", image.id()).put("source_id", source.id());
        Job job;
        if ("docker-file".equals(originType)) {
            JsonNode d = source.origin().path("details");
            boolean overridden = image.override() != null && image.override().hasNonNull("targz_url");
            if (!overridden && !d.path("repo").isObject() && d.path("targz_url").asText("").isBlank()) {
                throw new CycleException(CycleError.NOT_COMPATIBLE, "this docker-file source has no repo and no"
                        + " targz_url: upload the build context with POST /v1/images/" + image.id() + "/upload",
                        "/origin/details");
            }
            // A failing Dockerfile fails at once (permanent); attempts are for crashes and unreachable hosts.
            job = jobs.submit(caller.hub(), BuildJob.TYPE, "Build image " + image.name(), input, 3, caller.userId());
        } else if (ImportTarget.supports(originType)) {
            job = jobs.submit(caller.hub(), ImportJob.TYPE, "Import image " + image.name(), input, 5, caller.userId());
        } else {
            throw new CycleException(CycleError.NOT_COMPATIBLE, "an image source with a " + originType
                    + " origin has nothing to import", "/origin/type");
        }
        wakeWorkers.run();
        // 200 as in Cycle's createImageJob (the job itself runs later).
        CycleHttp.data(ctx, 200, JobView.descriptor("import", job), null);
    }

    /**
     * {@code GET /v1/images}: filters, sort and page applied by the database, over the images of the sources the
     * caller may see. {@code filter[identifier]} and {@code filter[source_type]} are the source's (an image's
     * repository is named after its source's identifier).
     */
    private void list(Context ctx) {
        Caller caller = CycleHttp.caller(ctx, gate);
        caller.require(Operation.VIEW_IMAGES);
        Set<String> metas = SourcesEndpoint.known(ctx, "meta", METAS);
        Set<String> includes = SourcesEndpoint.known(ctx, "include", INCLUDES);
        Map<String, String> f = CycleHttp.filters(ctx);
        String sourceType = blankToNull(f.get("source_type"));
        if (sourceType != null && !SourceService.TYPES.contains(sourceType)) {
            throw CycleException.invalid(null, "filter[source_type] is stack-build, direct or bucket; got "
                    + sourceType);
        }
        String orderBy = ListQuery.orderBy(ListQuery.sorts(ctx.queryParams("sort"), ImageStore.SORT_COLUMNS.keySet()),
                ImageStore.SORT_COLUMNS, ImageStore.DEFAULT_ORDER, ImageStore.TIE_BREAK);
        ListQuery.Page page = ListQuery.page(ctx.queryParam("page[size]"), ctx.queryParam("page[number]"));
        Map<String, ImageSource> viewable = sources.viewable(caller);
        List<ImageStore.Image> found = images.page(new ImageStore.Query(caller.hub(), viewable.keySet(),
                blankToNull(f.get("source_id")), blankToNull(f.get("identifier")), sourceType,
                ListQuery.oneOf(f.get("state"), "state", IMAGE_STATES), blankToNull(f.get("search")), orderBy, page));
        ArrayNode data = F.arrayNode();
        for (ImageStore.Image i : found) data.add(view(i, viewable.get(i.sourceId()), metas));
        CycleHttp.data(ctx, 200, data, includes(found, viewable, includes));
    }

    private void get(Context ctx) {
        Caller caller = CycleHttp.caller(ctx, gate);
        caller.require(Operation.VIEW_IMAGES);
        Set<String> metas = SourcesEndpoint.known(ctx, "meta", METAS);
        Set<String> includes = SourcesEndpoint.known(ctx, "include", INCLUDES);
        ImageStore.Image image = find(caller, ctx.pathParam("imageId"));
        ImageSource source = sources.findAny(caller.hub(), image.sourceId())
                .filter(s -> Acl.allows(s.acl(), caller, Acl.Privilege.VIEW)).orElseThrow(() -> notFound(image.id()));
        CycleHttp.data(ctx, 200, view(image, source, metas), includes(List.of(image), Map.of(source.id(), source),
                includes));
    }

    /**
     * Cycle's ImageIncludes: creators, and the images' sources by id. Wharf has no stacks, stack builds or
     * integrations, so those keys are present (when asked for) and empty.
     */
    private ObjectNode includes(List<ImageStore.Image> shown, Map<String, ImageSource> sourcesById, Set<String> kinds) {
        if (kinds.isEmpty()) return null;
        ObjectNode inc = F.objectNode();
        if (kinds.contains("creators")) {
            inc.set("creators", sourceView.creators(shown.stream().map(ImageStore.Image::creatorUserId).toList()));
        }
        if (kinds.contains("sources")) {
            ObjectNode byId = inc.putObject("sources");
            for (ImageStore.Image i : shown) {
                ImageSource s = sourcesById.get(i.sourceId());
                if (s != null && !byId.has(s.id())) byId.set(s.id(), sourceView.source(s, null));
            }
        }
        for (String none : List.of("stack_builds", "stacks", "integrations")) {
            if (kinds.contains(none)) inc.putObject(none);
        }
        return inc;
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }

    private ImageStore.Image find(Caller caller, String id) {
        return images.find(caller.hub(), id).orElseThrow(() -> notFound(id));
    }

    private static CycleException notFound(String id) {
        return new CycleException(CycleError.IMAGE_NOT_FOUND, "no image " + id + " in this hub");
    }

    /** Cycle's Image; {@code backend} names the Wharf repository and digest the image lives at. */
    private static ObjectNode view(ImageStore.Image i, ImageSource s) {
        return view(i, s, Set.of());
    }

    /**
     * With {@code meta=containers_count}: Wharf runs no containers, so every image's true count is zero (the
     * states are ContainerState's).
     */
    private static ObjectNode view(ImageStore.Image i, ImageSource s, Set<String> metas) {
        ObjectNode o = F.objectNode().put("id", i.id()).put("hub_id", i.hub()).put("name", i.name()).put("size", i.size());
        o.putObject("about").putNull("description");
        o.putObject("backend").put("provider", "wharf").put("size", i.size())
                .put("file_name", i.repository() + (i.digest() == null ? "" : "@" + i.digest()))
                .put("file_id", i.digest() == null ? "" : i.digest());
        o.putObject("requires");
        if (i.build() != null) o.set("build", i.build());
        ObjectNode config = o.putObject("config").put("user", "").put("workdir", "").put("signal_stop", "");
        config.putArray("ports");
        config.putObject("env");
        config.putObject("labels");
        config.putArray("command");
        config.putArray("entrypoint");
        config.putArray("volumes");
        ObjectNode source = o.putObject("source").put("type", s.type());
        ObjectNode details = source.putObject("details").put("id", s.id());
        details.set("origin", s.origin());
        if ("stack-build".equals(s.type())) {
            details.put("stack_id", "");
            details.putArray("containers");
        }
        o.set("creator", F.objectNode().put("id", ObjectId.ofLong(i.creatorUserId())).put("type", "account"));
        ObjectNode state = o.putObject("state").put("current", i.state()).put("changed", CycleTime.of(i.stateChanged()));
        if (i.stateError() != null) state.putObject("error").put("message", i.stateError());
        o.putObject("events").put("created", CycleTime.of(i.createdAt())).put("updated", CycleTime.of(i.updatedAt()))
                .put("deleted", CycleTime.of(i.deletedAt()));
        if (metas.contains("containers_count")) {
            ObjectNode count = o.putObject("meta").putObject("containers_count");
            ObjectNode byState = count.putObject("state");
            for (String st : CONTAINER_STATES) byState.put(st, 0);
            count.put("total", 0).put("available", 0);
        }
        return o;
    }
}
