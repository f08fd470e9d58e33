package io.glint.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.glint.api.ActorHandle;
import io.glint.api.Glint;
import io.glint.api.ValueSerializer;
import io.glint.testing.GlintExtension;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A serializer registered once reaches the driver and every worker of the job. */
class ValueSerializerIT {
  /**
   * Refused by default: its display string is transient state only its constructor sets, and it has
   * no no-argument constructor.
   */
  public static final class Money {
    final String currency;
    final long cents;
    final transient String display;

    public Money(String currency, long cents) {
      this.currency = currency;
      this.cents = cents;
      this.display = currency + " " + cents / 100 + "." + String.format("%02d", cents % 100);
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Money m
          && m.currency.equals(currency)
          && m.cents == cents
          && m.display.equals(display);
    }

    @Override
    public int hashCode() {
      return currency.hashCode() * 31 + Long.hashCode(cents);
    }
  }

  /** How Money crosses. */
  public static final class MoneySerializer implements ValueSerializer<Money> {
    @Override
    public Class<Money> type() {
      return Money.class;
    }

    @Override
    public void write(ValueWriter out, Money m) {
      out.writeString(m.currency);
      out.writeLong(m.cents);
    }

    @Override
    public Money read(ValueReader in) {
      return new Money(in.readString(), in.readLong());
    }
  }

  public static String show(Money m) {
    return m.display;
  }

  public static Money twice(Money m) {
    return new Money(m.currency, m.cents * 2);
  }

  /** Keeps what it is given. */
  public static final class Wallet {
    private Money last;

    public Wallet() {}

    public Money swap(Money m) {
      Money old = last;
      last = m;
      return old;
    }
  }

  @RegisterExtension
  static final GlintExtension glint =
      GlintExtension.withCluster(b -> b.cpusPerNode(2).serializer(MoneySerializer.class));

  @Test
  void aRegisteredSerializerCarriesItsTypeEveryWay() {
    Money m = new Money("EUR", 1234);
    assertThat(Glint.get(Glint.put(m))).isEqualTo(m);
    assertThat(Glint.get(Glint.task(ValueSerializerIT::show, m).remote())).isEqualTo("EUR 12.34");
    assertThat(Glint.get(Glint.task(ValueSerializerIT::twice, m).remote()))
        .isEqualTo(new Money("EUR", 2468));
    assertThat(Glint.get(Glint.put(List.of(m, m)))).containsExactly(m, m);
    ActorHandle<Wallet> w = Glint.actor(Wallet::new).remote();
    assertThat(Glint.get(w.task(Wallet::swap, m).remote())).isNull();
    assertThat(Glint.get(w.task(Wallet::swap, new Money("USD", 5)).remote())).isEqualTo(m);
    Glint.kill(w);
  }
}
