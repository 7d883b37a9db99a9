using AutoRemediate.Http;
using AutoRemediate.Shared;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;

namespace AutoRemediate.Approvals;

/// <summary>Registration of approvals.</summary>
internal static class ApprovalServices
{
    /// <summary>Registers the approval store, who may decide through the API, the decision handling and its endpoint, the approval activities, and the approval links and their pages.</summary>
    public static IServiceCollection AddApprovals(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<DecisionAuthOptions>(configuration, DecisionAuthOptions.SectionName);
        services.AddKeyedSingleton<BaseConfigurationManager>(DecisionAuthenticator.MetadataKey, (sp, _) =>
        {
            // The tenant's signing keys, fetched from its OpenID metadata and refreshed by the manager.
            var auth = sp.GetRequiredService<IOptions<DecisionAuthOptions>>().Value;
            return auth.Enabled
                ? new ConfigurationManager<OpenIdConnectConfiguration>(
                    EntraTokens.MetadataAddress(auth.Instance, auth.TenantId), new OpenIdConnectConfigurationRetriever(),
                    new HttpDocumentRetriever(sp.GetRequiredService<IHttpClientFactory>().CreateClient(HttpServices.EntraHttpClientName)))
                : new StaticConfigurationManager<OpenIdConnectConfiguration>(new OpenIdConnectConfiguration());
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
