package dev.wharf.hub;

import dev.wharf.auth.AccessControl;
import dev.wharf.auth.ImageRestrictions;
import dev.wharf.auth.RepositorySettingsService;
import dev.wharf.storage.meta.AuditLog;
import dev.wharf.storage.meta.MetadataStore;
import dev.wharf.storage.meta.RepositoryCatalog;

/** What the Hub's repository, tag and audit log endpoints read and change, beside the identity services. */
public record HubServices(MetadataStore meta, RepositoryCatalog catalog, AccessControl access,
        RepositorySettingsService settings, AuditLog auditLog, ImageRestrictions restrictions, MirrorViews mirrors) {
    public HubServices(MetadataStore meta, RepositoryCatalog catalog, AccessControl access,
            RepositorySettingsService settings, AuditLog auditLog, ImageRestrictions restrictions) {
        this(meta, catalog, access, settings, auditLog, restrictions, MirrorViews.NONE);
    }
}
