using System.Globalization;
using System.Text;
using AutoRemediate.Azure;
using AutoRemediate.Diagnostics;
using AutoRemediate.Http;

namespace AutoRemediate.Pages;

/// <summary>
/// The metrics around the alert as a small inline SVG, drawn on the server from the stored series (no script, no
/// external asset): one line per instance for the alert's metric, the alert's threshold as a dashed line, and the
/// action's time as a vertical marker.
/// </summary>
public static class IncidentChart
{
    /// <summary>The most series drawn (one per instance); the rest are left out and said so.</summary>
    public const int MaxSeries = 8;

    private const double Width = 600;
    private const double Height = 220;
    private const double Left = 56;
    private const double Right = 12;
    private const double Top = 12;
    private const double Bottom = 28;
    private static readonly string[] s_colours = ["#1f5fa8", "#8a3ffc", "#00756f", "#b2540b", "#6b6b6b", "#9f1853", "#198038", "#002d9c"];

    /// <summary>
    /// The chart's HTML (an encoded caption and an <c>&lt;svg&gt;</c>), or null when there is nothing to draw.
    /// <paramref name="criterion"/> picks the metric and its aggregation and gives the threshold; without it the
    /// first metric with data is drawn without a threshold.
    /// </summary>
    public static string? Render(IReadOnlyList<MetricSeries> series, AlertCriterion? criterion, DateTimeOffset? actionAt, string? actionLabel)
    {
        ArgumentNullException.ThrowIfNull(series);
        var metric = criterion?.Metric ?? series.FirstOrDefault(s => s.Points.Any(p => Value(p, null) is not null))?.Metric;
        if (metric is null)
        {
            return null;
        }

        var aggregation = criterion?.Aggregation;
        var lines = series
            .Where(s => string.Equals(s.Metric, metric, StringComparison.OrdinalIgnoreCase))
            .Select(s => (s.Instance, Points: s.Points.Select(p => (p.Timestamp, Value: Value(p, aggregation))).Where(p => p.Value is { } v && double.IsFinite(v))
                .Select(p => (p.Timestamp, Value: p.Value!.Value)).OrderBy(p => p.Timestamp).ToList()))
            .Where(s => s.Points.Count > 0)
            .ToList();
        if (lines.Count == 0)
        {
            return null;
        }

        var dropped = Math.Max(0, lines.Count - MaxSeries);
        lines = lines.Take(MaxSeries).ToList();
        double? threshold = criterion is { Dynamic: false } && double.TryParse(criterion.Threshold, NumberStyles.Float, CultureInfo.InvariantCulture, out var t) && double.IsFinite(t) ? t : null;

        var times = lines.SelectMany(l => l.Points.Select(p => p.Timestamp)).ToList();
        if (actionAt is { } a)
        {
            times.Add(a);
        }

        var x0 = times.Min();
        var x1 = times.Max();
        if (x1 <= x0)
        {
            x1 = x0.AddMinutes(1);
        }

        var values = lines.SelectMany(l => l.Points.Select(p => p.Value)).ToList();
        if (threshold is { } th)
        {
            values.Add(th);
        }

        var y0 = Math.Min(0, values.Min());
        var y1 = values.Max() * 1.1;
        if (y1 <= y0)
        {
            y1 = y0 + 1;
        }

        double X(DateTimeOffset at) => Left + ((at - x0).TotalSeconds / (x1 - x0).TotalSeconds * (Width - Left - Right));
        double Y(double v) => Top + ((1 - ((v - y0) / (y1 - y0))) * (Height - Top - Bottom));

        var unit = series.FirstOrDefault(s => string.Equals(s.Metric, metric, StringComparison.OrdinalIgnoreCase))?.Unit;
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"{metric} ({aggregation ?? "Average"}{(unit is null ? string.Empty : ", " + unit)}) per instance, {x0.UtcDateTime:HH:mm}\u2013{x1.UtcDateTime:HH:mm} UTC");
        text.Append(threshold is { } tv ? $"; alert threshold {criterion!.Operator} {Compact(tv)}" : criterion is { Dynamic: true } ? "; dynamic threshold (not drawn)" : "; threshold unknown");
        if (actionAt is { } at2)
        {
            text.Append(CultureInfo.InvariantCulture, $"; {actionLabel ?? "action"} at {at2.UtcDateTime:HH:mm:ss} UTC");
        }

        if (dropped > 0)
        {
            text.Append(CultureInfo.InvariantCulture, $"; {dropped} more instance(s) not drawn");
        }

        var caption = text.Append('.').ToString();

        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<figure class=\"chart\"><svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {Width} {Height}\" role=\"img\" aria-label=\"{HtmlPage.Encode(caption)}\" preserveAspectRatio=\"xMidYMid meet\">");
        svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{Left}\" y=\"{Top}\" width=\"{Width - Left - Right}\" height=\"{Height - Top - Bottom}\" fill=\"#fafafa\" stroke=\"#ccc\"/>");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Left - 4}\" y=\"{Top + 10}\" text-anchor=\"end\" font-size=\"13\">{HtmlPage.Encode(Compact(y1))}</text>");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Left - 4}\" y=\"{Height - Bottom}\" text-anchor=\"end\" font-size=\"13\">{HtmlPage.Encode(Compact(y0))}</text>");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Left}\" y=\"{Height - 8}\" font-size=\"13\">{x0.UtcDateTime:HH:mm}</text>");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Width - Right}\" y=\"{Height - 8}\" text-anchor=\"end\" font-size=\"13\">{x1.UtcDateTime:HH:mm}</text>");
        for (var i = 0; i < lines.Count; i++)
        {
            var (instance, points) = lines[i];
            var d = new StringBuilder();
            foreach (var (at, v) in points)
            {
                d.Append(d.Length == 0 ? 'M' : 'L').Append(F(X(at))).Append(' ').Append(F(Y(v))).Append(' ');
            }

            if (points.Count == 1)
            {
                d.Append("h1 ");
            }

            svg.Append(CultureInfo.InvariantCulture, $"<path class=\"series\" data-instance=\"{HtmlPage.Encode(instance ?? "all")}\" d=\"{d.ToString().TrimEnd()}\" fill=\"none\" stroke=\"{s_colours[i % s_colours.Length]}\" stroke-width=\"2\"><title>{HtmlPage.Encode(instance is null ? metric : $"{metric} on {Shared.Display.ShortId(instance)}")}</title></path>");
        }

        if (threshold is { } line)
        {
            var y = F(Y(line));
            svg.Append(CultureInfo.InvariantCulture, $"<line class=\"threshold\" x1=\"{Left}\" x2=\"{Width - Right}\" y1=\"{y}\" y2=\"{y}\" stroke=\"#a4262c\" stroke-width=\"1.5\" stroke-dasharray=\"6 4\"><title>{HtmlPage.Encode($"Alert threshold {criterion!.Operator} {Compact(line)}")}</title></line>");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Width - Right - 4}\" y=\"{F(Y(line) - 4)}\" text-anchor=\"end\" font-size=\"13\" fill=\"#a4262c\">threshold {HtmlPage.Encode(Compact(line))}</text>");
        }

        if (actionAt is { } act)
        {
            var x = F(X(act));
            svg.Append(CultureInfo.InvariantCulture, $"<line class=\"action\" x1=\"{x}\" x2=\"{x}\" y1=\"{Top}\" y2=\"{Height - Bottom}\" stroke=\"#1b6e3a\" stroke-width=\"2\"><title>{HtmlPage.Encode(actionLabel ?? "Action")} at {act.UtcDateTime:HH:mm:ss} UTC</title></line>");
            // The label sits inside the plot, on the side of the marker with room, low down: the threshold's label is at the top right.
            var right = X(act) > Width / 2;
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{F(right ? X(act) - 4 : X(act) + 4)}\" y=\"{Height - Bottom - 6}\" text-anchor=\"{(right ? "end" : "start")}\" font-size=\"13\" fill=\"#1b6e3a\">{HtmlPage.Encode(actionLabel ?? "action")}</text>");
        }

        svg.Append("</svg><figcaption>").Append(HtmlPage.Encode(caption)).Append("</figcaption></figure>");
        return svg.ToString();
    }

    /// <summary>A figure in three significant digits with k/M/G (1610612736 is 1.61G).</summary>
    public static string Compact(double value)
    {
        var abs = Math.Abs(value);
        var (scaled, suffix) = abs switch
        {
            >= 1e12 => (value / 1e12, "T"),
            >= 1e9 => (value / 1e9, "G"),
            >= 1e6 => (value / 1e6, "M"),
            >= 1e4 => (value / 1e3, "k"),
            _ => (value, string.Empty),
        };
        return scaled.ToString("0.##", CultureInfo.InvariantCulture) + suffix;
    }

    private static double? Value(MetricPoint p, string? aggregation) => aggregation?.ToUpperInvariant() switch
    {
        "TOTAL" => p.Total,
        "MAXIMUM" => p.Maximum,
        "MINIMUM" => p.Minimum,
        "COUNT" => p.Count,
        _ => p.Average ?? p.Total,
    };

    private static string F(double v) => v.ToString("0.#", CultureInfo.InvariantCulture);
}
