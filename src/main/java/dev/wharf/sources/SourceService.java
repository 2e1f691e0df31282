package dev.wharf.sources;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.wharf.auth.SecretBox;
import dev.wharf.jobs.Job;
import dev.wharf.jobs.JobStore;
import dev.wharf.model.ObjectId;
import dev.wharf.sources.build.BuildGate;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/** Image source rules: validation, capabilities and ACL, sealing of credentials, deletion as a job. */
public final class SourceService {
    static final String DELETE_JOB = "image-source.delete";
    static final Set<String> TYPES = Set.of("stack-build", "direct", "bucket");

    private final SourceStore store;
    private final SourceListQuery listQuery;
    private final JobStore jobs;
    private final SecretBox box;
    private final Clock clock;
    private final Supplier<BuildGate> builds;

    public SourceService(SourceStore store, JobStore jobs, SecretBox box, Clock clock, Supplier<BuildGate> builds) {
        this.store = store;
        this.listQuery = new SourceListQuery(store.database());
        this.jobs = jobs;
        this.box = box;
        this.clock = clock;
        this.builds = builds;
    }

    /**
     * A {@code docker-file} origin runs the caller's Dockerfile on this server: only where builds are enabled, and
     * only for the hub's owners (a user in their own hub, an organization's owners, administrators).
     */
    private void requireBuildAllowed(Caller caller, JsonNode origin) {
        if (!"docker-file".equals(origin.path("type").asText())) return;
        BuildGate gate = builds.get();
        if (!gate.enabled()) {
            throw new CycleException(CycleError.NOT_COMPATIBLE, gate.disabledReason(), "/origin/type");
        }
        if (!caller.isOwner()) {
            throw new CycleException(CycleError.PERMISSIONS, "only owners of hub " + caller.hub()
                    + " may create or change docker-file sources: a build runs the Dockerfile on this server");
        }
    }

    ImageSource create(Caller caller, JsonNode body) {
        caller.require(Operation.CREATE_SOURCE);
        requireObject(body);
        String type = Origins.text(body, "type", "", true);
        if (!TYPES.contains(type)) {
            throw CycleException.invalid("/type", "type is stack-build, direct or bucket; got " + type);
        }
        String id = ObjectId.random();
        Origins.Split origin = Origins.parse(body.get("origin"), "/origin", JsonNodeFactory.instance.objectNode());
        requireBuildAllowed(caller, origin.shown());
        String name = Origins.text(body, "name", "", false);
        if (name == null) name = defaultName(origin.shown());
        String identifier = Origins.text(body, "identifier", "", false);
        identifier = identifier == null ? Identifiers.fromName(name) : Identifiers.validate(identifier, "/identifier");
        ObjectNode acl = Acl.parse(body.get("acl"), "/acl");
        Instant now = clock.instant();
        ImageSource s = new ImageSource(id, caller.hub(), name, identifier, type, origin.shown(),
                seal(id, origin.secrets()), builder(body.get("builder")), about(body.get("about")), acl,
                caller.userId(), "live", now, null, now, now, null);
        store.insert(s);
        return s;
    }

    ImageSource get(Caller caller, String id) {
        caller.require(Operation.VIEW_SOURCES);
        return visible(caller, id);
    }

    /** The sources the caller may see, filtered, sorted and paged (by the database: {@link SourceListQuery}). */
    List<ImageSource> list(Caller caller, String identifier, String search, Set<String> states, List<String> sort,
            String pageSize, String pageNumber) {
        caller.require(Operation.VIEW_SOURCES);
        List<ListQuery.Sort> sorts = ListQuery.sorts(sort, SourceListQuery.sortable());
        ListQuery.Page page = ListQuery.page(pageSize, pageNumber);
        return listQuery.page(caller, identifier, search, states, sorts, page);
    }

    ImageSource update(Caller caller, String id, JsonNode body) {
        caller.require(Operation.UPDATE_SOURCE);
        requireObject(body);
        return store.database().inWriteTransaction(h -> {
            ImageSource s = store.find(h, caller.hub(), id).filter(x -> Acl.allows(x.acl(), caller,
                    Acl.Privilege.VIEW)).orElseThrow(() -> notFound(id));
            requirePrivilege(caller, s, Acl.Privilege.MODIFY);
            requireLive(s);
            String name = body.has("name") ? Origins.text(body, "name", "", true) : s.name();
            String identifier = s.identifier();
            if (body.has("identifier")) {
                String given = Origins.text(body, "identifier", "", false);
                identifier = given == null ? Identifiers.fromName(name) : Identifiers.validate(given, "/identifier");
            }
            ObjectNode origin = s.origin();
            String sealed = s.sealedSecrets();
            if (body.has("origin")) {
                Origins.Split split = Origins.parse(body.get("origin"), "/origin", secrets(s), s.origin());
                requireBuildAllowed(caller, split.shown());
                origin = split.shown();
                sealed = seal(id, split.secrets());
            }
            JsonNode builder = body.has("builder") ? builder(body.get("builder")) : s.builder();
            JsonNode about = body.has("about") ? about(body.get("about")) : s.about();
            ImageSource updated = new ImageSource(s.id(), s.hub(), name, identifier, s.type(), origin, sealed,
                    builder, about, s.acl(), s.creatorUserId(), s.state(), s.stateChanged(), s.stateError(),
                    s.createdAt(), clock.instant(), null);
            store.update(h, updated);
            return updated;
        });
    }

    ImageSource updateAccess(Caller caller, String id, JsonNode body) {
        caller.require(Operation.CHANGE_SOURCE_ACCESS);
        requireObject(body);
        ObjectNode acl = Acl.parse(body.get("acl"), "/acl");
        return store.database().inWriteTransaction(h -> {
            ImageSource s = store.find(h, caller.hub(), id).filter(x -> Acl.allows(x.acl(), caller,
                    Acl.Privilege.VIEW)).orElseThrow(() -> notFound(id));
            requirePrivilege(caller, s, Acl.Privilege.MANAGE);
            ImageSource updated = new ImageSource(s.id(), s.hub(), s.name(), s.identifier(), s.type(), s.origin(),
                    s.sealedSecrets(), s.builder(), s.about(), acl, s.creatorUserId(), s.state(), s.stateChanged(),
                    s.stateError(), s.createdAt(), clock.instant(), null);
            store.update(h, updated);
            return updated;
        });
    }

    /**
     * Cancels the unfinished imports and builds whose input names {@code value} as {@code key} ({@code image_id}
     * or {@code source_id}). The contract has no job cancel operation; deleting an image or a source is how its
     * imports are stopped. A queued job ends at once, a running one at its next check (within about a second).
     */
    static void cancelJobs(JobStore jobs, String hub, String key, String value) {
        for (Job j : jobs.unfinished(hub)) {
            boolean imports = Set.of(ImportJob.TYPE, TarballImportJob.TYPE, BuildJob.TYPE).contains(j.type());
            if (imports && value.equals(j.input().path(key).asText(null))) jobs.cancel(j.id());
        }
    }

    /** Marks the source {@code deleting}, stops its imports and queues the job that finishes the deletion. */
    Job delete(Caller caller, String id) {
        caller.require(Operation.DELETE_SOURCE);
        Job job = store.database().inWriteTransaction(h -> {
            ImageSource s = store.find(h, caller.hub(), id).filter(x -> Acl.allows(x.acl(), caller,
                    Acl.Privilege.VIEW)).orElseThrow(() -> notFound(id));
            requirePrivilege(caller, s, Acl.Privilege.MANAGE);
            requireLive(s);
            Instant now = clock.instant();
            store.update(h, new ImageSource(s.id(), s.hub(), s.name(), s.identifier(), s.type(), s.origin(),
                    s.sealedSecrets(), s.builder(), s.about(), s.acl(), s.creatorUserId(), "deleting", now, null,
                    s.createdAt(), now, null));
            ObjectNode input = JsonNodeFactory.instance.objectNode().put("source_id", id);
            return jobs.submit(h, caller.hub(), DELETE_JOB, "Delete image source " + s.name(), input, 5,
                    caller.userId());
        });
        cancelJobs(jobs, caller.hub(), "source_id", id);
        return job;
    }

    /** A visible source the caller may view, else 404 (an ACL hides a source entirely). */
    ImageSource visible(Caller caller, String id) {
        return store.find(caller.hub(), id).filter(s -> Acl.allows(s.acl(), caller, Acl.Privilege.VIEW))
                .orElseThrow(() -> notFound(id));
    }

    /** The hub's sources (any state but deleted) whose ACL lets the caller see them, by id. */
    Map<String, ImageSource> viewable(Caller caller) {
        Map<String, ImageSource> out = new java.util.LinkedHashMap<>();
        for (ImageSource s : store.list(caller.hub())) {
            if (Acl.allows(s.acl(), caller, Acl.Privilege.VIEW)) out.put(s.id(), s);
        }
        return out;
    }

    /** A source of the hub in any state but deleted (images keep showing the source they came from). */
    java.util.Optional<ImageSource> findAny(String hub, String id) {
        return store.find(hub, id);
    }

    /** A live source of the hub, without a caller: for jobs, which run with the rights checked at submission. */
    java.util.Optional<ImageSource> findForJob(String hub, String id) {
        return store.find(hub, id).filter(s -> "live".equals(s.state()));
    }

    /** The origin with its credentials, for an import; never for a response. */
    ObjectNode revealedOrigin(ImageSource s) {
        return Origins.reveal(s.origin(), secrets(s));
    }

    Map<String, Map<String, Long>> imageCounts(List<String> ids) {
        return store.imageCounts(ids);
    }

    private ObjectNode secrets(ImageSource s) {
        if (s.sealedSecrets() == null) return JsonNodeFactory.instance.objectNode();
        return (ObjectNode) Json.read(box.openString(s.sealedSecrets(), "image-source:" + s.id()));
    }

    private String seal(String id, ObjectNode secrets) {
        return secrets.isEmpty() ? null : box.seal(Json.write(secrets), "image-source:" + id);
    }

    private static String defaultName(ObjectNode origin) {
        String target = origin.path("details").path("target").asText("");
        return target.isEmpty() ? origin.path("type").asText("image source") : target;
    }

    private static JsonNode builder(JsonNode node) {
        if (node == null || node.isNull()) return null;
        if (!node.isObject()) throw CycleException.invalid("/builder", "builder must be an object or null");
        JsonNode integration = node.get("integration_id");
        if (integration != null && !integration.isNull() && !integration.isTextual()) {
            throw CycleException.invalid("/builder/integration_id", "integration_id must be a string or null");
        }
        return JsonNodeFactory.instance.objectNode().set("integration_id",
                integration == null ? JsonNodeFactory.instance.nullNode() : integration);
    }

    private static JsonNode about(JsonNode node) {
        if (node == null || node.isNull()) return null;
        if (!node.isObject()) throw CycleException.invalid("/about", "about must be an object");
        JsonNode d = node.get("description");
        if (d != null && !d.isNull() && !d.isTextual()) {
            throw CycleException.invalid("/about/description", "description must be a string or null");
        }
        return JsonNodeFactory.instance.objectNode().set("description",
                d == null ? JsonNodeFactory.instance.nullNode() : d);
    }

    private static void requireObject(JsonNode body) {
        if (body == null || !body.isObject()) throw CycleException.invalid("", "the request body must be a JSON object");
    }

    private static void requirePrivilege(Caller caller, ImageSource s, Acl.Privilege p) {
        if (!Acl.allows(s.acl(), caller, p)) {
            throw new CycleException(CycleError.PERMISSIONS, "this source's ACL does not give your role ("
                    + caller.role() + ") the " + p.name().toLowerCase(Locale.ROOT) + " privilege");
        }
    }

    private static void requireLive(ImageSource s) {
        if (!"live".equals(s.state())) {
            throw new CycleException(CycleError.INVALID_STATE, "the image source is " + s.state());
        }
    }

    static CycleException notFound(String id) {
        return new CycleException(CycleError.SOURCE_NOT_FOUND, "no image source " + id + " in this hub");
    }
}
