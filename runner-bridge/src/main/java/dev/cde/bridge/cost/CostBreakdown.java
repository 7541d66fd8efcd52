package dev.cde.bridge.cost;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.List;

/**
 * What a session cost, by resource, in {@code currency} (never mixed: one table, one currency), priced with the
 * table {@code priceTable} ({@code provider/region}). {@code total} is the sum of the parts. {@code unpriced} lists
 * what the table has no price for (a GPU type): the total then leaves it out, and says so here.
 */
public record CostBreakdown(String priceTable, String currency, BigDecimal billedSeconds, BigDecimal cpu,
    BigDecimal memory, BigDecimal gpu, BigDecimal requests, BigDecimal total, List<String> unpriced) {
  /** Amounts are kept to the millionth of the currency unit once a cost is recorded or shown. */
  public static final int AMOUNT_SCALE = 6;
  /** Billed time is kept to the millisecond. */
  public static final int SECONDS_SCALE = 3;

  public CostBreakdown {
    unpriced = unpriced == null ? List.of() : List.copyOf(unpriced);
  }

  public static CostBreakdown zero(String priceTable, String currency) {
    BigDecimal z = BigDecimal.ZERO;
    return new CostBreakdown(priceTable, currency, z, z, z, z, z, z, List.of()).rounded();
  }

  /** Each part rounded half-up to {@value #AMOUNT_SCALE} places, and the total the sum of the rounded parts. */
  public CostBreakdown rounded() {
    BigDecimal c = amount(cpu);
    BigDecimal m = amount(memory);
    BigDecimal g = amount(gpu);
    BigDecimal r = amount(requests);
    return new CostBreakdown(priceTable, currency, billedSeconds.setScale(SECONDS_SCALE, RoundingMode.HALF_UP), c, m,
        g, r, c.add(m).add(g).add(r), unpriced);
  }

  public static BigDecimal amount(BigDecimal v) {
    return v.setScale(AMOUNT_SCALE, RoundingMode.HALF_UP);
  }
}
