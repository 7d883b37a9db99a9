using Microsoft.Extensions.DependencyInjection;

namespace AutoRemediate.Approvals;

/// <summary>Registration of approvals.</summary>
internal static class ApprovalServices
{
    /// <summary>Registers the approval store, the decision handling and its endpoint, the approval activities, and the approval links and their pages.</summary>
    public static IServiceCollection AddApprovals(this IServiceCollection services)
    {
        services.AddSingleton<IApprovalStore, TableApprovalStore>();
        services.AddSingleton<ApprovalDecisions>();
        services.AddSingleton<DecisionEndpoint>();
        services.AddSingleton<ApprovalActivities>();
        services.AddSingleton<TableApprovalLinks>();
        services.AddSingleton<IApprovalLinks>(sp => sp.GetRequiredService<TableApprovalLinks>());
        services.AddSingleton<ApprovalLinkPages>();
        return services;
    }
}
