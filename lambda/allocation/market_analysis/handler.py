"""Market Analysis action group: price files of the market-data bucket (incoming/*.csv) and
the returns, volatility, drawdown and correlations of their symbols.

Operations: listMarketDataFiles, getMarketStatistics. schemas/market_analysis_actions.json is
generated from GROUP by lambda/allocation/generate_schemas.py.
"""

from __future__ import annotations

from allocation_core import market
from allocation_core.actions import ActionGroup, Field, bad_input, not_found

API_TITLE = "Allocation Market Analysis Actions"
API_DESCRIPTION = "Read market price files and compute returns, volatility and correlations."
GROUP = ActionGroup(API_TITLE, API_DESCRIPTION)
MAX_SYMBOLS = 20
KEY = Field("key", "string", "Object key of a price file, e.g. incoming/prices-2024.csv "
            "(from listMarketDataFiles)", pattern=market.KEY_PATTERN, max_length=220)


@GROUP.operation(operation_id="listMarketDataFiles", method="get", path="/market-data/files",
                 summary="Available price files",
                 description="List the price files (CSV symbol,date,price) in the market data "
                             "bucket, at most 50.",
                 returns="files: key, size and last modification of each file")
def list_files() -> dict:
    return {"files": market.list_files()}


@GROUP.operation(operation_id="getMarketStatistics", method="get", path="/market-data/statistics",
                 summary="Statistics of the symbols in a price file",
                 description="Annualized return and volatility, total return and maximum "
                             "drawdown of each symbol, and the correlations of their daily returns.",
                 parameters=(KEY, Field("symbols", "string", "Comma-separated symbols to keep; "
                                        "empty for all (at most 20)", required=False,
                                        pattern=r"^[A-Za-z0-9.^-]{1,32}(,[A-Za-z0-9.^-]{1,32})*$",
                                        max_length=400)),
                 returns="statistics per symbol and pairwise correlations")
def market_statistics(key: str, symbols: str | None) -> dict:
    try:
        prices = market.parse_prices(market.read_object(key))
    except FileNotFoundError:
        raise not_found(f"no price file {key}") from None
    except market.MarketDataError as error:
        raise bad_input(f"{key}: {error}") from None
    wanted = symbols.split(",") if symbols else sorted(prices)
    missing = [s for s in wanted if s not in prices]
    if missing:
        raise not_found(f"{key} has no prices for {', '.join(missing)}")
    if len(wanted) > MAX_SYMBOLS:
        raise bad_input(f"at most {MAX_SYMBOLS} symbols; name them with `symbols`")
    usable = [s for s in wanted if len(prices[s]) >= 2]
    daily = {s: market.returns(prices[s]) for s in usable}
    return {"key": key,
            "statistics": {s: market.statistics(prices[s]) for s in usable},
            "too_short": [s for s in wanted if s not in usable],
            "correlations": [{"a": a, "b": b, "correlation": market.correlation(daily[a], daily[b])}
                             for i, a in enumerate(usable) for b in usable[i + 1:]]}


def lambda_handler(event, context=None):
    return GROUP.handle(event)
