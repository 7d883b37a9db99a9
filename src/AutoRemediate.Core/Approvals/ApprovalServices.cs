using AutoRemediate.Http;
using AutoRemediate.Shared;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AutoRemediate.Approvals;

/// <summary>Registration of approvals.</summary>
internal static class ApprovalServices
{
    /// <summary>Registers the approval store, who may decide through the API, the decision handling and its endpoint, the approval activities, and the approval links and their pages.</summary>
    public static IServiceCollection AddApprovals(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<DecisionAuthOptions>(configuration, DecisionAuthOptions.SectionName);
        services.AddKeyedSingleton(DecisionAuthenticator.MetadataKey, (sp, _) =>
        {
            var auth = sp.GetRequiredService<IOptions<DecisionAuthOptions>>().Value;
            return HttpServices.TenantKeys(sp, auth.Enabled, auth.Instance, auth.TenantId);
        });
        services.AddSingleton<DecisionAuthenticator>();
        services.AddSingleton<TableApprovalStore>();
        services.AddSingleton<IApprovalStore>(sp => sp.GetRequiredService<TableApprovalStore>());
        services.AddSingleton<ApprovalDecisions>();
        services.AddSingleton<DecisionEndpoint>();
        services.AddSingleton<ApprovalActivities>();
        services.AddSingleton<TableApprovalLinks>();
        services.AddSingleton<IApprovalLinks>(sp => sp.GetRequiredService<TableApprovalLinks>());
        services.AddSingleton<ApprovalLinkPages>();
        return services;
    }
}
