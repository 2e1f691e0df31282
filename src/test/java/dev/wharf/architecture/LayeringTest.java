package dev.wharf.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Keeps the dependency arrows of docs/ARCHITECTURE.md true: stores and rules never reach up into HTTP or wiring. */
class LayeringTest {
    static JavaClasses classes;

    @BeforeAll
    static void importClasses() {
        // Import only our compiled main classes: scanning the whole test classpath is needlessly slow.
        classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPath(Path.of("target/classes"));
    }

    @Test
    void storageKnowsNothingAboveIt() {
        noClasses().that().resideInAPackage("dev.wharf.storage..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.wharf.content..", "dev.wharf.registry..",
                        "dev.wharf.app..", "dev.wharf.ops..", "dev.wharf.config..", "io.javalin..")
                .check(classes);
    }

    @Test
    void blobStoreAndMetadataStoreAreIndependent() {
        noClasses().that().resideInAPackage("dev.wharf.storage.blob..")
                .should().dependOnClassesThat().resideInAPackage("dev.wharf.storage.meta..").check(classes);
        noClasses().that().resideInAPackage("dev.wharf.storage.meta..")
                .should().dependOnClassesThat().resideInAPackage("dev.wharf.storage.blob..").check(classes);
    }

    @Test
    void rulesDoNotSpeakHttp() {
        noClasses().that().resideInAPackage("dev.wharf.content..")
                .should().dependOnClassesThat().resideInAnyPackage("io.javalin..", "jakarta.servlet..",
                        "dev.wharf.registry..", "dev.wharf.app..")
                .check(classes);
    }

    @Test
    void imageRulesDoNotSpeakHttp() {
        noClasses().that().resideInAPackage("dev.wharf.images..")
                .should().dependOnClassesThat().resideInAnyPackage("io.javalin..", "jakarta.servlet..",
                        "dev.wharf.registry..", "dev.wharf.hub..", "dev.wharf.app..")
                .check(classes);
    }

    @Test
    void webhooksDoNotSpeakHttpSurfaces() {
        noClasses().that().resideInAPackage("dev.wharf.webhooks..")
                .should().dependOnClassesThat().resideInAnyPackage("io.javalin..", "jakarta.servlet..",
                        "dev.wharf.registry..", "dev.wharf.hub..", "dev.wharf.sources..", "dev.wharf.app..")
                .check(classes);
    }

    @Test
    void onlyTheAppPackageWiresEverything() {
        noClasses().that().resideOutsideOfPackage("dev.wharf.app..")
                .should().dependOnClassesThat().resideInAPackage("dev.wharf.app..").check(classes);
    }

    @Test
    void onlyTheAppPackageKnowsTheConsole() {
        noClasses().that().resideOutsideOfPackages("dev.wharf.app..", "dev.wharf.console..")
                .should().dependOnClassesThat().resideInAPackage("dev.wharf.console..").check(classes);
    }

    @Test
    void modelHasNoInternalDependencies() {
        noClasses().that().resideInAPackage("dev.wharf.model..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.wharf.content..", "dev.wharf.storage..",
                        "dev.wharf.registry..", "dev.wharf.app..", "dev.wharf.ops..", "dev.wharf.config..")
                .check(classes);
    }
}
