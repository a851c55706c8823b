package io.hookgate;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The shape of the code, checked on the compiled classes: packages point one way, the toolkits use no
 * feature, outbound HTTP and the limits know nothing of deliveries, and only the composition root knows
 * everything. A change that breaks one fails the build.
 */
class ArchitectureTest {
  private static final JavaClasses CLASSES = new ClassFileImporter()
    .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
    .importPackages("io.hookgate");
  private static final String[] FEATURES = {"io.hookgate.application..", "io.hookgate.auth..", "io.hookgate.catalog..",
    "io.hookgate.engine..", "io.hookgate.ingest..", "io.hookgate.limits..", "io.hookgate.operational..",
    "io.hookgate.ops..", "io.hookgate.outbound..", "io.hookgate.partner..", "io.hookgate.retention..",
    "io.hookgate.subscription..", "io.hookgate.dialect.."};

  /** Rules over no classes would hold vacuously: the import must see the gateway's code. */
  @Test
  void theRulesSeeTheGatewaysCode() {
    assertThat(CLASSES.contain(io.hookgate.Hookgate.class)).isTrue();
    assertThat(CLASSES.stream().filter(c -> c.getPackageName().equals("io.hookgate.engine")).count())
      .isGreaterThan(10);
  }

  @Test
  void packagesHaveNoCycles() {
    slices().matching("io.hookgate.(*)..").should().beFreeOfCycles().check(CLASSES);
  }

  @Test
  void toolkitsUseNoFeature() {
    noClasses().that().resideInAnyPackage("io.hookgate.http..", "io.hookgate.db..", "io.hookgate.config..",
        "io.hookgate.cluster..", "io.hookgate.logging..", "io.hookgate.tracing..")
      .should().dependOnClassesThat().resideInAnyPackage(FEATURES)
      .check(CLASSES);
  }

  @Test
  void onlyTheCompositionRootKnowsTheNode() {
    noClasses().that().resideOutsideOfPackage("io.hookgate")
      .should().dependOnClassesThat().resideInAPackage("io.hookgate")
      .check(CLASSES);
  }

  @Test
  void outboundHttpAndTheLimitsKnowNothingOfDeliveries() {
    noClasses().that().resideInAnyPackage("io.hookgate.outbound..", "io.hookgate.limits..")
      .should().dependOnClassesThat().resideInAnyPackage("io.hookgate.engine..", "io.hookgate.subscription..",
        "io.hookgate.partner..", "io.hookgate.ingest..")
      .check(CLASSES);
  }

  @Test
  void dialectsKnowNothingOfDeliveriesOrSubscriptions() {
    noClasses().that().resideInAPackage("io.hookgate.dialect..")
      .should().dependOnClassesThat().resideInAnyPackage("io.hookgate.engine..", "io.hookgate.subscription..",
        "io.hookgate.partner..", "io.hookgate.ingest..", "io.hookgate.application..")
      .check(CLASSES);
  }
}
