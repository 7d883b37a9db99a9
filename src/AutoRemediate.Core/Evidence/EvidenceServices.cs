using AutoRemediate.Shared;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace AutoRemediate.Evidence;

/// <summary>Registration of the evidence kept in Blob Storage.</summary>
internal static class EvidenceServices
{
    /// <summary>Registers <see cref="EvidenceOptions"/>, the dump uploader, the evidence writer and the dump activity.</summary>
    public static IServiceCollection AddEvidence(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<EvidenceOptions>(configuration, EvidenceOptions.SectionName);
        services.AddSingleton<DumpUploader>();
        services.AddSingleton<EvidenceBlobs>();
        services.AddSingleton<DumpActivities>();
        return services;
    }
}
