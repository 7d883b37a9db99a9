using System.Buffers;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace AutoRemediate.Http;

/// <summary>Reads a request body with the checks every ingest endpoint needs.</summary>
public static class RequestBody
{
    /// <summary>
    /// Returns the body, or the problem to answer with: 415 when the content type is not JSON,
    /// 413 when the body is over <paramref name="maxBytes"/> (checked while reading, so a chunked
    /// body without Content-Length cannot slip past).
    /// </summary>
    public static async Task<(ReadOnlyMemory<byte> Body, IResult? Problem)> ReadJsonAsync(HttpRequest request, long maxBytes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!IsJson(request.ContentType))
        {
            var got = string.IsNullOrEmpty(request.ContentType) ? "no Content-Type" : $"'{request.ContentType}'";
            return (default, Problems.Status(StatusCodes.Status415UnsupportedMediaType, "Unsupported content type.",
                $"Send the payload as application/json; the request had {got}."));
        }

        if (request.ContentLength > maxBytes)
        {
            return (default, TooLarge(maxBytes));
        }

        var buffer = new ArrayBufferWriter<byte>((int)Math.Min(request.ContentLength ?? 16 * 1024, maxBytes) + 1);
        while (true)
        {
            var memory = buffer.GetMemory(16 * 1024);
            var read = await request.Body.ReadAsync(memory, cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                break;
            }

            buffer.Advance(read);
            if (buffer.WrittenCount > maxBytes)
            {
                return (default, TooLarge(maxBytes));
            }
        }

        return (buffer.WrittenMemory, null);
    }

    private static IResult TooLarge(long maxBytes) =>
        Problems.Status(StatusCodes.Status413PayloadTooLarge, "Payload too large.",
            $"The body is over the configured limit of {maxBytes:N0} bytes ({IngestOptions.SectionName}:{nameof(IngestOptions.MaxBodyBytes)}).");

    private static bool IsJson(string? contentType) =>
        MediaTypeHeaderValue.TryParse(contentType, out var media)
        && media.MediaType.HasValue
        && (media.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || media.MediaType.Value.EndsWith("+json", StringComparison.OrdinalIgnoreCase));
}
