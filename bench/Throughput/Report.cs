using System.Globalization;
using System.Text;

namespace ZeroDepMqtt.Bench.Throughput;

/// <summary>The one table: per row the median rate with its range, ratios, CPU and allocation per message.</summary>
internal static class Report
{
    public static string Table(IReadOnlyList<(Row Row, List<RunResult> Runs)> results)
    {
        var sb = new StringBuilder();
        bool broker = results.Any(r => r.Runs.Any(x => x.BrokerCpuMicrosPerMessage is not null));
        sb.AppendLine("| QoS | payload | publisher | msgs/run | msg/s median (min–max) | × ceiling | × MQTTnet | CPU µs/msg | alloc B/msg | msgs/flush |" + (broker ? " broker CPU µs/msg |" : ""));
        sb.AppendLine("| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |" + (broker ? " ---: |" : ""));
        foreach (var (row, runs) in results)
        {
            var ok = runs.Where(r => r.Problem is null).ToList();
            string cells;
            if (ok.Count == 0)
            {
                cells = $"{runs.FirstOrDefault()?.Problem ?? "not run"} | | | | | " + (broker ? " | " : "");
            }
            else
            {
                double rate = Median(ok.Select(r => r.Rate));
                var ceiling = Reference(results, row, Publisher.Raw, null);
                var mqttnet = Reference(results, row, Publisher.MqttNet, row.QoS == Protocol.QualityOfService.AtMostOnce && row.Broker == BrokerKind.Mosquitto ? 0 : 256);
                string range = ok.Count > 1 ? $" ({K(ok.Min(r => r.Rate))}–{K(ok.Max(r => r.Rate))})" : "";
                string failures = ok.Count < runs.Count ? $" [{runs.Count - ok.Count} failed: {runs.First(r => r.Problem is not null).Problem}]" : "";
                cells = string.Join(" | ",
                    K(rate) + range + failures,
                    Ratio(rate, ceiling),
                    Ratio(rate, mqttnet),
                    Optional(ok, r => r.CpuMicrosPerMessage, "0.00") + (ok[0].CpuIncludesStartup ? " †" : ""),
                    Optional(ok, r => r.AllocatedBytesPerMessage, "0.0"),
                    Optional(ok, r => r.MessagesPerFlush, "0.0"));
                if (broker) cells += " | " + Optional(ok, r => r.BrokerCpuMicrosPerMessage, "0.00");
            }
            sb.AppendLine($"| {(int)row.QoS} | {Row.SizeName(row.Size)} | {row.Label} | {row.Count:N0} | {cells} |");
        }
        sb.AppendLine();
        sb.AppendLine("† whole process, startup and connect included (external tools); other CPU figures cover the timed phase only.");
        return sb.ToString();
    }

    private static double? Reference(IReadOnlyList<(Row Row, List<RunResult> Runs)> results, Row row, Publisher publisher, int? window)
    {
        foreach (var (r, runs) in results)
        {
            if (r.Publisher != publisher || r.Broker != row.Broker || r.QoS != row.QoS || r.Size != row.Size || (window is { } w && r.Window != w)) continue;
            var ok = runs.Where(x => x.Problem is null).ToList();
            return ok.Count == 0 ? null : Median(ok.Select(x => x.Rate));
        }
        return null;
    }

    private static string Ratio(double value, double? reference)
        => reference is { } r && r > 0 ? (value / r).ToString("0.00", CultureInfo.InvariantCulture) : "–";

    private static string Optional(List<RunResult> runs, Func<RunResult, double?> pick, string format)
    {
        var values = runs.Select(pick).Where(v => v.HasValue).Select(v => v!.Value).ToList();
        return values.Count == 0 ? "–" : Median(values).ToString(format, CultureInfo.InvariantCulture);
    }

    public static double Median(IEnumerable<double> values)
    {
        var v = values.Order().ToArray();
        return v.Length % 2 == 1 ? v[v.Length / 2] : (v[v.Length / 2 - 1] + v[v.Length / 2]) / 2;
    }

    public static string K(double rate) => rate >= 1000
        ? (rate / 1000).ToString(rate >= 100_000 ? "0" : "0.0", CultureInfo.InvariantCulture) + "k"
        : rate.ToString("0", CultureInfo.InvariantCulture);
}
