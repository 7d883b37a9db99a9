using System.Text.Json;
using AutoRemediate.Sandbox.Faults;
using AutoRemediate.Sandbox.Processes;
using AutoRemediate.Sandbox.State;

namespace AutoRemediate.Sandbox.Arm;

/// <summary>
/// Microsoft.Web/serverfarms: GET (shaped like GetAppServicePlan), PATCH (shaped like
/// PatchAppServicePlan, 202 + long-running operation by default, 200 when the plan's LRO mode is
/// sync), the operation status URL, restartSites and the list of the plan's apps (ListWebApps).
/// </summary>
internal static class PlanRoutes
{
    public const string PlanPath = "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroup}/providers/Microsoft.Web/serverfarms/{plan}";

    public static void Map(IEndpointRouteBuilder routes)
    {
        routes.MapGet(PlanPath, (string subscriptionId, string resourceGroup, string plan, SandboxState state) =>
            WithPlan(state, subscriptionId, resourceGroup, plan, p => ArmJson.Ok(PlanBody(p, PlanBodyKind.Get))));

        routes.MapPatch(PlanPath, PatchAsync);

        // AppServicePlans_ListWebApps: every app on the plan (scaling the plan changes them all).
        routes.MapGet(PlanPath + "/sites", (string subscriptionId, string resourceGroup, string plan, SandboxState state) =>
            WithPlan(state, subscriptionId, resourceGroup, plan, p => ArmJson.List([.. p.Apps.Select(SiteRoutes.SiteBody)])));

        routes.MapGet(PlanPath + "/operationresults/{operationId}", (HttpContext context, string subscriptionId, string resourceGroup, string plan, string operationId, SandboxState state) =>
            WithPlan(state, subscriptionId, resourceGroup, plan, p =>
            {
                if (p.FindOperation(operationId) is not { } operation)
                {
                    return ArmErrors.Create(404, "NotFound", $"Operation '{operationId}' was not found for App Service plan '{plan}'.");
                }

                p.Poll(operation, state.Now);
                return OperationStatus(context, p, operation);
            }));

        routes.MapPost(PlanPath + "/restartSites", (string subscriptionId, string resourceGroup, string plan, SandboxState state) =>
            WithPlan(state, subscriptionId, resourceGroup, plan, p =>
            {
                foreach (var app in p.Apps)
                {
                    app.RestartAll(state.Now, "RestartSites");
                }

                return Results.NoContent();
            }));
    }

    internal static IResult WithPlan(SandboxState state, string subscriptionId, string resourceGroup, string plan, Func<SimulatedPlan, IResult> action)
    {
        var found = state.FindPlan(subscriptionId, resourceGroup, plan);
        if (found is null)
        {
            return ArmErrors.NotFound("Microsoft.Web/serverfarms", plan, resourceGroup);
        }

        lock (found.Gate)
        {
            found.Refresh(state.Now);
            return action(found);
        }
    }

    // PATCH body: { "sku": { "name", "tier", "capacity" } } and/or { "properties": { ... } }. capacity is the
    // instance count (scale out/in), name/tier the size (scale up/down). Every accepted PATCH is one plan change.
    private static async Task<IResult> PatchAsync(HttpContext context, string subscriptionId, string resourceGroup, string plan, SandboxState state)
    {
        JsonElement body;
        try
        {
            using var document = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
            body = document.RootElement.Clone();
        }
        catch (JsonException exception)
        {
            return ArmErrors.BadRequest($"The request content was invalid and could not be deserialized: '{exception.Message}'.", "InvalidRequestContent");
        }

        if (body.ValueKind != JsonValueKind.Object)
        {
            return ArmErrors.BadRequest("The request content must be a JSON object.", "InvalidRequestContent");
        }

        var fault = FaultMiddleware.AppliedFault(context);
        return WithPlan(state, subscriptionId, resourceGroup, plan, p =>
        {
            var (change, problem) = ReadChange(body, p);
            if (problem is not null)
            {
                return ArmErrors.BadRequest(problem);
            }

            if (p.Pending is not null)
            {
                return ArmErrors.Create(409, "Conflict", $"Cannot modify App Service plan '{plan}' because another operation is in progress on it.");
            }

            var now = state.Now;
            var mode = fault?.LroMode ?? p.LroMode;
            if (string.Equals(mode, "sync", StringComparison.OrdinalIgnoreCase))
            {
                p.Apply(change!, now);
                return ArmJson.Ok(PlanBody(p, PlanBodyKind.Patch200));
            }

            var failWith = string.Equals(fault?.LroResult, "Failed", StringComparison.OrdinalIgnoreCase) ? "Failed" : null;
            var operation = p.Begin(change!, now, ArmJson.ApiVersion(context.Request), failWith);
            var url = OperationUrl(context.Request, p, operation);
            context.Response.Headers["Azure-AsyncOperation"] = url;
            context.Response.Headers.Location = url;
            context.Response.Headers.RetryAfter = "1";
            return ArmJson.Ok(PlanBody(p, PlanBodyKind.Patch202), StatusCodes.Status202Accepted);
        });
    }

    private static (PlanChange? Change, string? Problem) ReadChange(JsonElement body, SimulatedPlan plan)
    {
        int? capacity = null;
        SkuInfo? sku = null;
        if (body.TryGetProperty("sku", out var skuJson) && skuJson.ValueKind == JsonValueKind.Object)
        {
            if (skuJson.TryGetProperty("capacity", out var capacityJson))
            {
                if (capacityJson.ValueKind != JsonValueKind.Number || !capacityJson.TryGetInt32(out var value) || value < 1)
                {
                    return (null, "sku.capacity must be a whole number of at least 1.");
                }

                if (value > plan.MaximumNumberOfWorkers)
                {
                    return (null, $"The requested capacity {value} exceeds the maximum number of workers ({plan.MaximumNumberOfWorkers}) of App Service plan '{plan.Name}'.");
                }

                capacity = value;
            }

            if (skuJson.TryGetProperty("name", out var nameJson) && nameJson.ValueKind == JsonValueKind.String)
            {
                var name = nameJson.GetString();
                sku = SkuCatalog.Find(name);
                if (sku is null)
                {
                    return (null, $"The pricing tier '{name}' is not allowed for App Service plan '{plan.Name}'.");
                }
            }
        }
        else if (body.TryGetProperty("sku", out var other) && other.ValueKind != JsonValueKind.Null)
        {
            return (null, "sku must be an object.");
        }

        return (new PlanChange(capacity, sku), null);
    }

    private static string OperationUrl(HttpRequest request, SimulatedPlan plan, PlanOperation operation) =>
        $"{ArmJson.BaseUrl(request)}{plan.ResourceId}/operationresults/{operation.Id}?api-version={Uri.EscapeDataString(operation.ApiVersion)}";

    // ARM's async operation status: 202 { status: InProgress } with Retry-After while running (so both an
    // Azure-AsyncOperation poller and a Location poller keep polling), then 200 { status: Succeeded | Failed }.
    private static IResult OperationStatus(HttpContext context, SimulatedPlan plan, PlanOperation operation)
    {
        var body = new Dictionary<string, object?>
        {
            ["id"] = $"{plan.ResourceId}/operationresults/{operation.Id}",
            ["name"] = operation.Id,
            ["status"] = operation.Status,
            ["startTime"] = ProcessView.Iso(operation.CreatedAt),
        };
        if (operation.CompletedAt is { } completedAt)
        {
            body["endTime"] = ProcessView.Iso(completedAt);
        }

        if (operation.Status == "Failed")
        {
            body["error"] = new { code = "InternalServerError", message = $"The update of App Service plan '{plan.Name}' failed (injected by the Sandbox)." };
        }

        if (operation.Status == "InProgress")
        {
            context.Response.Headers.RetryAfter = "1";
            context.Response.Headers.Location = OperationUrl(context.Request, plan, operation);
            return ArmJson.Ok(body, StatusCodes.Status202Accepted);
        }

        return ArmJson.Ok(body);
    }

    internal enum PlanBodyKind
    {
        Get,
        Patch200,
        Patch202,
    }

    // Each kind sends exactly the properties its spec example has (GetAppServicePlan, PatchAppServicePlan 200/202).
    internal static object PlanBody(SimulatedPlan plan, PlanBodyKind kind)
    {
        var properties = new Dictionary<string, object?>
        {
            ["geoRegion"] = plan.Location,
        };
        if (kind != PlanBodyKind.Patch200)
        {
            properties["isSpot"] = false;
        }

        properties["maximumNumberOfWorkers"] = plan.MaximumNumberOfWorkers;
        properties["numberOfSites"] = plan.Apps.Count;
        if (kind == PlanBodyKind.Get)
        {
            properties["numberOfWorkers"] = plan.Capacity;
        }

        properties["provisioningState"] = plan.Pending is null ? "Succeeded" : "InProgress";
        properties["reserved"] = plan.IsLinux;
        properties["status"] = "Ready";
        properties["targetWorkerCount"] = 0;
        properties["targetWorkerSizeId"] = 0;
        return new
        {
            id = plan.ResourceId,
            name = plan.Name,
            type = "Microsoft.Web/serverfarms",
            kind = plan.IsLinux ? "linux" : "app",
            location = plan.Location,
            properties,
            sku = new
            {
                name = plan.Sku.Name,
                tier = plan.Sku.Tier,
                size = plan.Sku.Size,
                family = plan.Sku.Family,
                capacity = plan.Capacity,
            },
        };
    }
}
