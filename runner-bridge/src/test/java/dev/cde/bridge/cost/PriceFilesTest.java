package dev.cde.bridge.cost;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The shipped price tables, a user's file merged over them, and every way a user's file can be wrong. */
class PriceFilesTest {
  @TempDir
  Path dir;

  static PriceBook shipped() {
    return PriceFiles.load(Optional.empty());
  }

  Path file(String yaml) throws Exception {
    Path f = dir.resolve("my-prices.yaml");
    Files.writeString(f, yaml);
    return f;
  }

  @Test
  void everyShippedTableSaysWhereItsFiguresComeFromAndWhenTheyWereRead() {
    PriceBook book = shipped();
    assertThat(book.keys()).containsExactly("aliyun-fc/international", "cloud-run/tier-1", "kubernetes/default",
        "lambda/us-east-1", "local/default");
    for (String key : book.keys()) {
      String[] pr = key.split("/");
      PriceTable t = book.table(pr[0], pr[1]).orElseThrow();
      assertThat(t.currency()).as(key).isEqualTo("USD");
      assertThat(t.source()).as(key).isNotBlank();
      assertThat(t.checked()).as(key).isEqualTo(LocalDate.of(2026, 12, 2));
      assertThat(t.title()).as(key).isNotBlank();
    }
    assertThat(book.table("aliyun-fc", null).orElseThrow().source())
        .isEqualTo("https://www.alibabacloud.com/help/en/functioncompute/fc-3-0/product-overview/pay-as-you-go-billing-method-1");
    assertThat(book.table("lambda", null).orElseThrow().source()).isEqualTo("https://aws.amazon.com/lambda/pricing/");
    assertThat(book.table("cloud-run", null).orElseThrow().source()).isEqualTo("https://cloud.google.com/run/pricing");
    GithubHostedPrices gh = book.githubHosted();
    assertThat(gh.source()).isEqualTo("https://docs.github.com/en/billing/reference/actions-runner-pricing");
    assertThat(gh.published()).isEqualTo(LocalDate.of(2026, 1, 1));
    assertThat(gh.granularity()).isEqualTo(Duration.ofMinutes(1));
    assertThat(gh.runners()).extracting(GithubRunnerSize::sku).containsExactly("linux_slim", "linux", "linux_4_core",
        "linux_8_core", "linux_16_core", "linux_32_core", "linux_64_core", "linux_96_core", "linux_4_core_gpu");
  }

  /**
   * The Function Compute table is derived from the CU conversion factors and the CU price on
   * https://www.alibabacloud.com/help/en/functioncompute/fc-3-0/product-overview/pay-as-you-go-billing-method-1:
   * active vCPU 1 CU/vCPU-second, memory 0.15 CU/GB-second, invocations 75 CU per 10,000, Tesla GPU 2.1 and Ada
   * GPU 1.5 CU per GB-second of GPU memory, USD 0.000020 per CU (tier 1). The local table copies it.
   */
  @Test
  void functionComputePricesAreTheCuFactorsTimesTheCuPrice() {
    BigDecimal cu = new BigDecimal("0.000020");
    for (String provider : new String[] {"aliyun-fc", "local"}) {
      PriceTable t = shipped().table(provider, null).orElseThrow();
      assertThat(t.vcpuSecond()).as(provider).isEqualByComparingTo(cu.multiply(BigDecimal.ONE));
      assertThat(t.gibSecond()).as(provider).isEqualByComparingTo(cu.multiply(new BigDecimal("0.15")));
      assertThat(t.request()).as(provider).isEqualByComparingTo(cu.multiply(new BigDecimal("75"))
          .divide(new BigDecimal("10000")));
      assertThat(t.gpuSecond("t4")).as(provider).hasValueSatisfying(p -> assertThat(p)
          .isEqualByComparingTo(cu.multiply(new BigDecimal("2.1")).multiply(new BigDecimal("16"))));
      assertThat(t.gpuSecond("ada")).as(provider).hasValueSatisfying(p -> assertThat(p)
          .isEqualByComparingTo(cu.multiply(new BigDecimal("1.5")).multiply(new BigDecimal("48"))));
      assertThat(t.gpuSecond("T4")).as("GPU types are matched in lower case").isEqualTo(t.gpuSecond("t4"));
      assertThat(t.gpuSecond("h100")).isEmpty();
      assertThat(t.billing()).isEqualTo(new BillingRule(Duration.ofMillis(1), Duration.ZERO, false));
    }
  }

  @Test
  void decimalsAreReadAsWrittenWithoutFloatingPoint() throws Exception {
    PriceTable lambda = shipped().table("lambda", "us-east-1").orElseThrow();
    assertThat(lambda.gibSecond()).isEqualTo(new BigDecimal("0.0000166667")); // equals: same digits and scale
    assertThat(lambda.request()).isEqualTo(new BigDecimal("0.0000002"));
    // 0.1 has no exact binary value: read through a double it would not compare equal to the decimal 0.1
    Path f = file("""
        tables:
          kubernetes:
            regions:
              default:
                vcpu-second: 0.1
                gib-second: 0.00000000000000000001
        """);
    PriceTable k = PriceFiles.load(Optional.of(f)).table("kubernetes", null).orElseThrow();
    assertThat(k.vcpuSecond()).isEqualTo(new BigDecimal("0.1"));
    assertThat(k.gibSecond()).isEqualTo(new BigDecimal("0.00000000000000000001"));
  }

  @Test
  void aUserFileChangesOnlyWhatItSaysAddsTablesAndReplacesLists() throws Exception {
    Path f = file("""
        tables:
          kubernetes:
            regions:
              default:
                vcpu-second: 0.0000069444
                gib-second: 0.0000017361
                source: our node price, 2026-11
          my-cloud:
            title: A cloud billed in yuan
            regions:
              cn-hangzhou:
                currency: CNY
                vcpu-second: 0.000127
                gib-second: 0.0000127
                gpu-second: {t4: 0.0042}
                granularity: 100ms
                minimum: 1s
                cold-start-billed: false
        github-hosted:
          runners:
            - {sku: linux, cpu: 2, memory-gb: 8, per-minute: 0.006}
        """);
    PriceBook book = PriceFiles.load(Optional.of(f));
    PriceTable k = book.table("kubernetes", null).orElseThrow();
    assertThat(k.vcpuSecond()).isEqualByComparingTo("0.0000069444");
    assertThat(k.source()).isEqualTo("our node price, 2026-11");
    assertThat(k.currency()).as("kept from the shipped table").isEqualTo("USD");
    assertThat(k.billing().granularity()).as("kept").isEqualTo(Duration.ofSeconds(1));
    assertThat(book.table("aliyun-fc", null).orElseThrow().vcpuSecond()).as("untouched").isEqualByComparingTo("0.00002");
    PriceTable mine = book.table("my-cloud", null).orElseThrow();
    assertThat(mine.currency()).isEqualTo("CNY");
    assertThat(mine.title()).isEqualTo("A cloud billed in yuan");
    assertThat(mine.billing()).isEqualTo(new BillingRule(Duration.ofMillis(100), Duration.ofSeconds(1), false));
    assertThat(mine.source()).as("a user's table without a source names the file").isEqualTo(f.toString());
    assertThat(mine.request()).isEqualByComparingTo("0");
    assertThat(book.githubHosted().runners()).extracting(GithubRunnerSize::sku).containsExactly("linux");
    assertThat(book.githubHosted().source()).as("kept").startsWith("https://docs.github.com/");
  }

  @Test
  void anUnknownKeyNamesTheFileAndTheField() throws Exception {
    Path f = file("""
        tables:
          aliyun-fc:
            regions:
              international:
                vcpu-secnd: 0.00001
        """);
    assertThatThrownBy(() -> PriceFiles.load(Optional.of(f))).isInstanceOf(PriceFileException.class)
        .hasMessageStartingWith("prices file " + f + ": tables.aliyun-fc.regions.international.vcpu-secnd: "
            + "unknown key 'vcpu-secnd'").hasMessageContaining("vcpu-second");
    Path top = file("prices: {}\n");
    assertThatThrownBy(() -> PriceFiles.load(Optional.of(top))).hasMessageContaining("prices file " + top + ": prices: "
        + "unknown key 'prices'");
  }

  @Test
  void aNegativePriceNamesTheFileAndTheField() throws Exception {
    Path f = file("""
        tables:
          lambda:
            regions:
              us-east-1:
                gib-second: -0.0000166667
        """);
    assertThatThrownBy(() -> PriceFiles.load(Optional.of(f))).isInstanceOf(PriceFileException.class)
        .hasMessage("prices file " + f + ": tables.lambda.regions.us-east-1.gib-second: must not be negative, not "
            + "-0.0000166667");
    Path gpu = file("tables: {cloud-run: {regions: {tier-1: {gpu-second: {l4: -1}}}}}\n");
    assertThatThrownBy(() -> PriceFiles.load(Optional.of(gpu))).hasMessageEndingWith(
        "tables.cloud-run.regions.tier-1.gpu-second.l4: must not be negative, not -1");
    Path runner = file("github-hosted: {runners: [{sku: linux, cpu: 2, memory-gb: 8, per-minute: -0.006}]}\n");
    assertThatThrownBy(() -> PriceFiles.load(Optional.of(runner))).hasMessageEndingWith(
        "github-hosted.runners[0].per-minute: must not be negative, not -0.006");
  }

  @Test
  void aMissingOrUnknownCurrencyNamesTheFileAndTheField() throws Exception {
    Path f = file("""
        tables:
          my-cloud:
            regions:
              eu:
                vcpu-second: 0.00001
                gib-second: 0.000001
        """);
    assertThatThrownBy(() -> PriceFiles.load(Optional.of(f))).isInstanceOf(PriceFileException.class)
        .hasMessage("prices file " + f + ": tables.my-cloud.regions.eu.currency: missing");
    Path bad = file("tables: {lambda: {regions: {us-east-1: {currency: dollars}}}}\n");
    assertThatThrownBy(() -> PriceFiles.load(Optional.of(bad))).hasMessage("prices file " + bad
        + ": tables.lambda.regions.us-east-1.currency: 'dollars' is not an ISO 4217 currency code such as USD or CNY");
  }

  @Test
  void otherMistakesNameTheFileToo() throws Exception {
    Path yaml = file("tables:\n  lambda: [unclosed\n");
    assertThatThrownBy(() -> PriceFiles.load(Optional.of(yaml))).hasMessageStartingWith("prices file " + yaml
        + ": not valid YAML (line ");
    Path type = file("tables: {lambda: {regions: {us-east-1: {request: cheap}}}}\n");
    assertThatThrownBy(() -> PriceFiles.load(Optional.of(type))).hasMessageStartingWith("prices file " + type
        + ": tables.lambda.regions.us-east-1.request: ");
    Path duration = file("tables: {lambda: {regions: {us-east-1: {granularity: one ms}}}}\n");
    assertThatThrownBy(() -> PriceFiles.load(Optional.of(duration))).hasMessage("prices file " + duration
        + ": tables.lambda.regions.us-east-1.granularity: 'one ms' is not a duration such as 1ms, 100ms, 1s or 1m");
    Path zero = file("tables: {lambda: {regions: {us-east-1: {granularity: 0s}}}}\n");
    assertThatThrownBy(() -> PriceFiles.load(Optional.of(zero))).hasMessageEndingWith("granularity: must be positive, not 0s");
    Path region = file("tables: {lambda: {default-region: eu-west-1}}\n");
    assertThatThrownBy(() -> PriceFiles.load(Optional.of(region))).hasMessageEndingWith(
        "tables.lambda.default-region: 'eu-west-1' is not one of [us-east-1]");
    Path missing = dir.resolve("nope.yaml");
    assertThatThrownBy(() -> PriceFiles.load(Optional.of(missing))).hasMessage("prices file " + missing
        + ": no such file (cde.cost.prices-file)");
    Path empty = file("");
    assertThat(PriceFiles.load(Optional.of(empty)).keys()).as("an empty file changes nothing")
        .isEqualTo(shipped().keys());
  }

  @Test
  void theBridgeRefusesATableItDoesNotHave() {
    assertThatThrownBy(() -> new Prices(shipped(), "fly-io", null)).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("no price table fly-io").hasMessageContaining("aliyun-fc/international, cloud-run/tier-1");
    assertThatThrownBy(() -> new Prices(shipped(), "lambda", "eu-west-1")).hasMessageContaining("lambda/eu-west-1");
    assertThat(new Prices(shipped(), "lambda", null).active().key()).isEqualTo("lambda/us-east-1");
    // only the provider is known (nothing configured): a provider without a table runs, billed at zero, and says so
    PriceTable none = new Prices(shipped(), "fly-io", null, true).active();
    assertThat(none.key()).isEqualTo("fly-io/unpriced");
    assertThat(none.vcpuSecond()).isEqualByComparingTo("0");
    assertThat(none.notes()).contains("cde.cost.provider");
  }
}
