package dev.cde.bridge.cost.report;

import dev.cde.bridge.cost.CostBreakdown;
import dev.cde.bridge.cost.GithubHostedCost;
import dev.cde.bridge.costs.SizingAdvice;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A cost report as GitHub-flavoured Markdown: a table by resource, then one line each for the size, timeline,
 * billed time, cold start, cache and the GitHub-hosted comparison, then the size recommendation with its evidence.
 * Written for a job summary and readable as plain text in a GitLab job log. Amounts in USD print as
 * {@code $0.001234}, others as {@code 0.001234 CNY}.
 */
public final class CostReportMarkdown {
  private CostReportMarkdown() {
  }

  public static String render(CostReport r) {
    StringBuilder md = new StringBuilder();
    String currency = r.cost().currency();
    md.append("### cde cost report: `").append(r.sessionId()).append("`\n\n");
    List<String> head = new ArrayList<>();
    if (r.job() != null) {
      head.add(r.job());
    } else if (r.name() != null) {
      head.add("`" + r.name() + "`");
    }
    head.add(r.finished() ? "session " + r.state().toLowerCase(Locale.ROOT) : "session running, figures so far");
    head.add("priced with **" + r.table().key() + "** (" + r.table().title() + ")");
    md.append(String.join(" · ", head)).append("\n\n");

    md.append("| resource | quantity | billed time | unit price | cost |\n");
    md.append("|---|---:|---:|---:|---:|\n");
    for (CostReport.Line l : r.lines()) {
      md.append("| ").append(resource(l.resource())).append(" | ").append(quantity(l)).append(" | ")
          .append(l.seconds() == null ? "" : l.seconds().toPlainString() + " s").append(" | ")
          .append(l.unitPrice() == null ? "no price" : money(l.unitPrice(), currency, false) + " per " + l.unit())
          .append(" | ").append(money(l.amount(), currency, true)).append(" |\n");
    }
    md.append("| **total** | | | | **").append(money(r.cost().total(), currency, true)).append("** |\n\n");

    md.append("- **Size**: asked ").append(size(r.requested()));
    if (r.granted() != null) {
      md.append("; the instance had ").append(size(r.granted()));
    }
    md.append('\n');
    if (r.endReason() != null) {
      md.append("- **Ended**: ").append(r.endReason()).append('\n');
    }
    md.append("- **Timeline**: ").append(timeline(r.timeline(), r.finished())).append('\n');
    md.append("- **Billed**: ").append(r.billed().billedSeconds().toPlainString()).append(" s from ")
        .append(r.billed().basis()).append(" (granularity ").append(seconds(r.table().granularitySeconds()))
        .append(", minimum ").append(seconds(r.table().minimumSeconds())).append(", cold start ")
        .append(r.table().coldStartBilled() ? "billed" : "not billed").append(")\n");
    if (r.coldStart() != null) {
      md.append("- **Cold-start overhead**: ").append(r.coldStart().seconds().toPlainString()).append(" s, ")
          .append(r.coldStart().billed() ? money(r.coldStart().cost(), currency, true) + " of the cost"
              : "not billed by this provider").append('\n');
    }
    if (r.cache() != null) {
      CostReport.Cache c = r.cache();
      md.append("- **Cache**: ").append(c.hits()).append(c.hits() == 1 ? " hit, " : " hits, ").append(c.partialHits())
          .append(" partial, ").append(c.misses()).append(c.misses() == 1 ? " miss; " : " misses; ")
          .append(bytes(c.bytesRestored())).append(" restored from the cache instead of downloaded, ")
          .append(bytes(c.bytesSaved())).append(" saved to it\n");
    } else {
      md.append("- **Cache**: not used\n");
    }
    md.append("- **On a GitHub-hosted runner**: ").append(github(r)).append('\n');
    for (String n : r.notes()) {
      md.append("- **Note**: ").append(n).append('\n');
    }
    md.append("\nPrices: ").append(link(r.table().source()));
    if (r.table().checked() != null) {
      md.append(", checked ").append(r.table().checked());
    }
    md.append(". GitHub's: ").append(link(r.githubHosted().source()));
    if (r.githubHosted().published() != null) {
      md.append(", in force since ").append(r.githubHosted().published());
    }
    md.append(".\n");
    if (r.recommendation() != null) {
      recommendation(md, r.recommendation());
    }
    return md.toString();
  }

  /** The size advice: its one line, then each size's evidence, the model and the prices it was worked out with. */
  private static void recommendation(StringBuilder md, SizingAdvice a) {
    md.append("\n#### Size recommendation\n\n");
    md.append(a.status().equals(SizingAdvice.NO_JOB) ? "" : "From " + a.runs() + (a.runs() == 1 ? " run" : " runs")
        + " of " + a.job() + ": ").append(a.summary()).append(".\n");
    if (!a.status().equals(SizingAdvice.ADVICE)) {
      return;
    }
    String currency = a.prices().currency();
    md.append("\n| size | runs | median duration | median billed | cost a run | |\n");
    md.append("|---|---:|---:|---:|---:|---|\n");
    for (SizingAdvice.SizeEstimate e : a.sizes()) {
      List<String> marks = new ArrayList<>();
      if (e.size().equals(a.current())) {
        marks.add("current");
      }
      if (e.equals(a.cheapest())) {
        marks.add("cheapest");
      }
      if (e.equals(a.fastest())) {
        marks.add("fastest");
      }
      if (!e.basis().equals(SizingAdvice.SizeEstimate.MEASURED)) {
        marks.add(e.basis());
      }
      md.append("| `").append(e.size()).append("` | ").append(e.runs()).append(" | ")
          .append(e.medianSeconds() == null ? "" : plain(e.medianSeconds()) + " s").append(" | ")
          .append(e.medianBilledSeconds() == null ? "" : plain(e.medianBilledSeconds()) + " s").append(" | ")
          .append(e.cost() == null ? "" : money(e.cost(), currency, true)).append(" | ")
          .append(String.join(", ", marks)).append(" |\n");
    }
    md.append("\n").append(a.model());
    if (a.parallelFraction() != null) {
      md.append(" Fitted parallel fraction: ").append(a.parallelFraction().toPlainString()).append('.');
    }
    md.append(" Costs priced with **").append(a.prices().table()).append("** (").append(link(a.prices().source()));
    if (a.prices().checked() != null) {
      md.append(", checked ").append(a.prices().checked());
    }
    md.append(").\n");
  }

  private static String github(CostReport r) {
    CostReport.GithubHosted g = r.githubHosted();
    if (g.nearest() == null) {
      return g.reason();
    }
    GithubHostedCost n = g.nearest();
    StringBuilder sb = new StringBuilder("`").append(n.sku()).append("` (").append(n.label()).append(", ")
        .append(plain(n.cpu())).append(" vCPU · ").append(plain(n.memoryGb())).append(" GB")
        .append(n.gpu() == null ? "" : " · " + n.gpu()).append(") at ").append(money(n.perMinute(), n.currency(), false))
        .append("/min × ").append(plain(n.minutes())).append(" min = **").append(money(n.cost(), n.currency(), true))
        .append("** for the ").append(g.basis()).append(" (").append(g.seconds().toPlainString()).append(" s");
    if (n.currency().equals(r.cost().currency())) {
      sb.append("; here ").append(money(r.cost().total(), r.cost().currency(), true));
    }
    sb.append(')');
    if (n.note() != null) {
      sb.append("; ").append(n.note());
    }
    return sb.toString();
  }

  private static String timeline(CostReport.Timeline t, boolean finished) {
    if (t.launchedAt() == null) {
      return "never launched";
    }
    List<String> parts = new ArrayList<>();
    parts.add("launch");
    if (t.readyAt() != null) {
      parts.add("ready after " + t.coldStartSeconds().toPlainString() + " s (cold start)");
    }
    if (t.jobStartedAt() != null) {
      parts.add("job start " + (t.waitSeconds() == null ? "" : "+" + t.waitSeconds().toPlainString() + " s"));
      parts.add((t.jobEndedAt() != null ? "job end after " : "job running for ") + t.jobSeconds().toPlainString() + " s");
    }
    if (t.releasedAt() != null) {
      parts.add("release" + (t.teardownSeconds() == null ? "" : " +" + t.teardownSeconds().toPlainString() + " s"));
    } else if (!finished) {
      parts.add("still running");
    }
    return String.join(" → ", parts) + "; " + t.totalSeconds().toPlainString() + " s in all";
  }

  private static String resource(String r) {
    return switch (r) {
      case "vcpu" -> "vCPU";
      case "memory" -> "memory";
      case "requests" -> "requests";
      default -> r.startsWith("gpu ") ? "GPU " + r.substring(4) : r;
    };
  }

  private static String quantity(CostReport.Line l) {
    return "memory".equals(l.resource()) ? plain(l.quantity()) + " GiB" : plain(l.quantity());
  }

  private static String size(CostReport.Size s) {
    List<String> parts = new ArrayList<>();
    if (s.cpu() != null) {
      parts.add(plain(BigDecimal.valueOf(s.cpu())) + " vCPU");
    }
    if (s.memoryMb() != null) {
      parts.add(bytes(s.memoryMb() << 20));
    }
    if (s.gpuCount() != null && s.gpuCount() > 0) {
      parts.add(s.gpuCount() + "× " + (s.gpuType() == null ? "GPU" : s.gpuType()));
    }
    return parts.isEmpty() ? "nothing reported" : String.join(" · ", parts);
  }

  /** USD as {@code $0.001234}; other currencies as {@code 0.001234 CNY}. Unit prices keep all their digits. */
  static String money(BigDecimal v, String currency, boolean amount) {
    String n = amount ? v.setScale(CostBreakdown.AMOUNT_SCALE, RoundingMode.HALF_UP).toPlainString() : plain(v);
    return "USD".equals(currency) ? "$" + n : n + " " + currency;
  }

  private static String plain(BigDecimal v) {
    return v.signum() == 0 ? "0" : v.stripTrailingZeros().toPlainString();
  }

  private static String seconds(BigDecimal s) {
    if (s.signum() == 0) {
      return "0 s";
    }
    return s.compareTo(BigDecimal.ONE) < 0 ? plain(s.movePointRight(3)) + " ms" : plain(s) + " s";
  }

  static String bytes(long b) {
    if (b >= 1L << 30) {
      return BigDecimal.valueOf(b).divide(BigDecimal.valueOf(1L << 30), 1, RoundingMode.HALF_UP).toPlainString() + " GiB";
    }
    if (b >= 1L << 20) {
      return BigDecimal.valueOf(b).divide(BigDecimal.valueOf(1L << 20), 1, RoundingMode.HALF_UP).toPlainString() + " MiB";
    }
    if (b >= 1L << 10) {
      return BigDecimal.valueOf(b).divide(BigDecimal.valueOf(1L << 10), 1, RoundingMode.HALF_UP).toPlainString() + " KiB";
    }
    return b + " B";
  }

  private static String link(String source) {
    return source != null && source.startsWith("https://") ? "<" + source + ">" : String.valueOf(source);
  }
}
