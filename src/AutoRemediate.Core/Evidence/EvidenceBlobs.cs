using System.Text.Json;
using AutoRemediate.Shared;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Microsoft.Extensions.Options;

namespace AutoRemediate.Evidence;

/// <summary>
/// Diagnostics too large for the workflow history (metric series, detector responses), kept as JSON
/// blobs <c>{incident}/{name}.json</c> in the evidence container. Writing the same name again replaces
/// the blob, so a retried activity leaves one copy.
/// </summary>
public sealed class EvidenceBlobs
{
    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web);
    private readonly BlobContainerClient _container;
    private readonly AsyncOnce _containerCreated;

    /// <summary>Creates the writer.</summary>
    public EvidenceBlobs(BlobServiceClient blobs, IOptions<EvidenceOptions> options)
    {
        ArgumentNullException.ThrowIfNull(blobs);
        ArgumentNullException.ThrowIfNull(options);
        _container = blobs.GetBlobContainerClient(options.Value.EvidenceContainer);
        _containerCreated = new AsyncOnce(ct => _container.CreateIfNotExistsAsync(cancellationToken: ct));
    }

    /// <summary>Stores <paramref name="value"/> as JSON and returns the blob's name within the container.</summary>
    public async Task<string> WriteJsonAsync<T>(string incidentId, string name, T value, CancellationToken cancellationToken = default)
    {
        await _containerCreated.EnsureAsync(cancellationToken).ConfigureAwait(false);

        var blobName = $"{incidentId}/{name}.json";
        var bytes = JsonSerializer.SerializeToUtf8Bytes(value, s_json);
        await _container.GetBlobClient(blobName).UploadAsync(
            new BinaryData(bytes), new BlobUploadOptions { HttpHeaders = new BlobHttpHeaders { ContentType = "application/json" } }, cancellationToken).ConfigureAwait(false);
        return $"{_container.Name}/{blobName}";
    }
}
