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
    private readonly BlobContainerClient _dumps;
    private readonly AsyncOnce _containerCreated;

    /// <summary>Creates the writer.</summary>
    public EvidenceBlobs(BlobServiceClient blobs, IOptions<EvidenceOptions> options)
    {
        ArgumentNullException.ThrowIfNull(blobs);
        ArgumentNullException.ThrowIfNull(options);
        _container = blobs.GetBlobContainerClient(options.Value.EvidenceContainer);
        _dumps = blobs.GetBlobContainerClient(options.Value.DumpsContainer);
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

    /// <summary>
    /// Reads the JSON blob <c>{incident}/{name}.json</c>, or null when there is none, it is larger than
    /// <paramref name="maxBytes"/> (never read then) or it does not parse as <typeparamref name="T"/>.
    /// </summary>
    public async Task<T?> ReadJsonAsync<T>(string incidentId, string name, long maxBytes, CancellationToken cancellationToken = default)
        where T : class
    {
        var blob = _container.GetBlobClient($"{incidentId}/{name}.json");
        try
        {
            var properties = await blob.GetPropertiesAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            if (properties.Value.ContentLength > maxBytes)
            {
                return null;
            }

            var content = await blob.DownloadContentAsync(cancellationToken).ConfigureAwait(false);
            return content.Value.Content.ToMemory().Length > maxBytes ? null : JsonSerializer.Deserialize<T>(content.Value.Content.ToMemory().Span, s_json);
        }
        catch (global::Azure.RequestFailedException ex) when (ex.Status == 404)
        {
            return null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>
    /// The incident's evidence and dump blobs as <c>{container}/{incident}/{name}</c> with their sizes, at most
    /// <paramref name="max"/> per container, in name order.
    /// </summary>
    public async Task<IReadOnlyList<EvidenceBlob>> ListAsync(string incidentId, int max, CancellationToken cancellationToken = default)
    {
        var found = new List<EvidenceBlob>();
        foreach (var container in new[] { _container, _dumps })
        {
            var count = 0;
            try
            {
                await foreach (var item in container.GetBlobsAsync(BlobTraits.None, BlobStates.None, incidentId + "/", cancellationToken).ConfigureAwait(false))
                {
                    found.Add(new EvidenceBlob(container.Name + "/" + item.Name, item.Properties.ContentLength ?? 0, ReferenceEquals(container, _dumps)));
                    if (++count >= max)
                    {
                        break;
                    }
                }
            }
            catch (global::Azure.RequestFailedException ex) when (ex.Status == 404)
            {
                // No container yet: nothing was ever stored in it.
            }
        }

        return found;
    }
}

/// <summary>One stored blob of an incident.</summary>
/// <param name="Path">The container and blob name, <c>evidence/inc-…/metrics.json</c>.</param>
/// <param name="Bytes">Its size.</param>
/// <param name="IsDump">True for a memory dump (the dumps container), false for evidence.</param>
public sealed record EvidenceBlob(string Path, long Bytes, bool IsDump = false);
