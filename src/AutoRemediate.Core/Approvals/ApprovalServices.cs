using Microsoft.Extensions.DependencyInjection;

namespace AutoRemediate.Approvals;

/// <summary>Registration of approvals.</summary>
internal static class ApprovalServices
{
    /// <summary>Registers the approval store, the decision handling and its endpoint, and the approval activities.</summary>
    public static IServiceCollection AddApprovals(this IServiceCollection services)
    {
        services.AddSingleton<IApprovalStore, TableApprovalStore>();
        services.AddSingleton<ApprovalDecisions>();
        services.AddSingleton<DecisionEndpoint>();
        services.AddSingleton<ApprovalActivities>();
        return services;
    }
}
