using System.Text.Json;
using AutoRemediate.Alerts;
using AutoRemediate.Http;
using AutoRemediate.Incidents;
using AutoRemediate.Shared;
using Azure.Messaging;
using Azure.Messaging.EventGrid;
using Azure.Messaging.EventGrid.SystemEvents;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;

namespace AutoRemediate.Ingest;

/// <summary>One event of a delivery, whichever schema it came in.</summary>
/// <param name="Id">The event id (Event Grid delivers at least once: this is the dedupe key).</param>
/// <param name="Type">eventType / type.</param>
/// <param name="Source">topic / source: for Azure system events, the resource the event is about (or its scope).</param>
/// <param name="Subject">subject.</param>
/// <param name="Time">eventTime / time.</param>
/// <param name="Data">The data payload as JSON, if any.</param>
/// <param name="SystemData">The typed system payload, when Azure.Messaging.EventGrid knows the type.</param>
public sealed record IncomingEvent(string Id, string Type, string? Source, string? Subject, DateTimeOffset Time, JsonElement? Data, object? SystemData);

/// <summary>What a delivery turned out to be.</summary>
public sealed class EventDelivery
{
    /// <summary>The events, when the delivery was well formed.</summary>
    public IReadOnlyList<IncomingEvent> Events { get; init; } = [];

    /// <summary>The alerts carried by events, parsed up front (index into <see cref="Events"/>).</summary>
    public IReadOnlyDictionary<int, AlertSignal> Alerts { get; init; } = new Dictionary<int, AlertSignal>();

    /// <summary>Alerts carried by events that are well formed but not about an app, with the reason (index into <see cref="Events"/>).</summary>
    public IReadOnlyDictionary<int, string> IgnoredAlerts { get; init; } = new Dictionary<int, string>();

    /// <summary>The validation code, when this is Event Grid's subscription validation handshake.</summary>
    public string? ValidationCode { get; init; }

    /// <summary>What is wrong, when the delivery is refused (nothing of it is processed then).</summary>
    public IReadOnlyList<InputError> Errors { get; init; } = [];
}

/// <summary>The outcome for one event.</summary>
/// <param name="Id">The event id.</param>
/// <param name="Type">The event type.</param>
/// <param name="Disposition">What was done with the event.</param>
/// <param name="IncidentId">The incident it went to, if any.</param>
/// <param name="Reason">Why, in words.</param>
public sealed record EventOutcome(string Id, string Type, EventDisposition Disposition, string? IncidentId, string Reason);

/// <summary>What happened to one event of a delivery.</summary>
public enum EventDisposition
{
    /// <summary>The event carried an alert, ingested as one (see the alert's own outcome in the reason).</summary>
    Alert,

    /// <summary>Recorded on the timeline of the incident running for its resource.</summary>
    Recorded,

    /// <summary>Nothing to do with it (see the reason).</summary>
    Ignored,
}

/// <summary>
/// The Core entry point behind <c>POST /api/events</c>. Parses Event Grid deliveries in the
/// EventGridEvent schema and in CloudEvents 1.0 (single or batch) with Azure.Messaging.EventGrid;
/// routes Azure Monitor alerts (any event whose data is a common-alert-schema payload) into the same
/// path as the webhook; records App Service and Resource Health events on the live incident of the
/// app they concern; acknowledges and ignores everything else.
/// </summary>
public sealed class EventIngestor
{
    private readonly AlertIngestor _alerts;
    private readonly IIncidentStore _store;
    private readonly ILogger<EventIngestor> _logger;

    /// <summary>Creates the ingestor.</summary>
    public EventIngestor(AlertIngestor alerts, IIncidentStore store, ILogger<EventIngestor> logger)
    {
        _alerts = alerts;
        _store = store;
        _logger = logger;
    }

    /// <summary>Longest event id, type, source or subject accepted; longer is a 400 for the delivery.</summary>
    public const int MaxFieldLength = 1024;

    /// <summary>
    /// Parses and validates a whole delivery. Pure: nothing is stored or started. More than
    /// <paramref name="maxEvents"/> events, or an alert naming more than <paramref name="maxTargets"/> targets, is refused.
    /// </summary>
    public static EventDelivery Parse(ReadOnlyMemory<byte> body, int maxEvents = IngestOptions.DefaultMaxEventsPerDelivery, int maxTargets = IngestOptions.DefaultMaxTargetsPerAlert)
    {
        if (!System.Text.Unicode.Utf8.IsValid(body.Span))
        {
            return Refuse("$", "The body is not valid UTF-8.");
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 64 });
        }
        catch (JsonException)
        {
            return Refuse("$", "The body is not valid JSON.");
        }

        using (document)
        {
            var root = document.RootElement;
            var first = root.ValueKind switch
            {
                JsonValueKind.Array when root.GetArrayLength() > 0 => root[0],
                JsonValueKind.Object => root,
                JsonValueKind.Array => default,
                _ => default,
            };
            if (first.ValueKind != JsonValueKind.Object)
            {
                return Refuse("$", root.ValueKind == JsonValueKind.Array
                    ? "The delivery holds no events."
                    : "Expected an Event Grid event, a CloudEvent, or an array of them.");
            }

            if (root.ValueKind == JsonValueKind.Array && root.GetArrayLength() > maxEvents)
            {
                return Refuse("$", $"The delivery holds {root.GetArrayLength()} events; at most {maxEvents} are accepted in one delivery ({IngestOptions.SectionName}:{nameof(IngestOptions.MaxEventsPerDelivery)}). Lower the subscription's maxEventsPerBatch.");
            }

            var isCloudEvent = first.TryGetProperty("specversion", out _);
            List<IncomingEvent> events;
            try
            {
                events = isCloudEvent ? ParseCloudEvents(body) : ParseEventGridEvents(body);
            }
            catch (Exception ex) when (ex is ArgumentException or FormatException or JsonException or InvalidOperationException)
            {
                var schema = isCloudEvent ? "CloudEvents 1.0" : "Event Grid event schema";
                return Refuse("$", $"Not a valid {schema} delivery: {ex.Message}");
            }

            var validation = events.Select(e => e.SystemData).OfType<SubscriptionValidationEventData>().FirstOrDefault();
            if (validation is not null)
            {
                return new EventDelivery { Events = events, ValidationCode = validation.ValidationCode };
            }

            var errors = new List<InputError>();
            var alerts = new Dictionary<int, AlertSignal>();
            var ignored = new Dictionary<int, string>();
            for (var i = 0; i < events.Count; i++)
            {
                CheckFields(events[i], i, errors);
                if (!IsAlert(events[i]))
                {
                    continue;
                }

                var parsed = CommonAlertSchemaParser.Parse(events[i].Data!.Value, maxTargets);
                if (parsed.IsValid)
                {
                    alerts[i] = parsed.Signal!;
                }
                else if (parsed.IsIgnored)
                {
                    ignored[i] = parsed.IgnoredReason!;
                }
                else
                {
                    errors.AddRange(parsed.Errors.Select(e => new InputError($"[{i}].data.{e.Field.TrimStart('$', '.')}".TrimEnd('.'), e.Message)));
                }
            }

            return errors.Count > 0 ? new EventDelivery { Errors = errors } : new EventDelivery { Events = events, Alerts = alerts, IgnoredAlerts = ignored };
        }
    }

    /// <summary>Processes a parsed, valid delivery.</summary>
    public async Task<IReadOnlyList<EventOutcome>> IngestAsync(EventDelivery delivery, DurableTaskClient client, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        var outcomes = new List<EventOutcome>();
        for (var i = 0; i < delivery.Events.Count; i++)
        {
            var e = delivery.Events[i];
            if (delivery.IgnoredAlerts.TryGetValue(i, out var reason))
            {
                outcomes.Add(Ignore(e, reason));
                continue;
            }

            if (delivery.Alerts.TryGetValue(i, out var signal))
            {
                var targets = await _alerts.IngestAsync(signal, client, cancellationToken).ConfigureAwait(false);
                var primary = targets.FirstOrDefault(t => t.IncidentId is not null);
                outcomes.Add(new EventOutcome(e.Id, e.Type, EventDisposition.Alert, primary?.IncidentId, primary?.Reason ?? targets[0].Reason));
                continue;
            }

            outcomes.Add(await RecordAsync(e, client, cancellationToken).ConfigureAwait(false));
        }

        return outcomes;
    }

    private async Task<EventOutcome> RecordAsync(IncomingEvent e, DurableTaskClient client, CancellationToken cancellationToken)
    {
        var describe = Describe(e);
        if (describe is null)
        {
            return Ignore(e, "Not an event AutoRemediate acts on.");
        }

        var (resourceId, message) = describe.Value;
        if (!ResourceIds.TryParse(resourceId, out var id))
        {
            return Ignore(e, "The event does not name an App Service app, slot or plan.");
        }

        var incidentId = await AlertIngestor.GetLiveIncidentAsync(client, id!, cancellationToken).ConfigureAwait(false);
        if (incidentId is null)
        {
            return Ignore(e, "No remediation is running for this resource.");
        }

        await _store.AppendExternalAsync(incidentId, "eventgrid:" + e.Id, e.Time, TimelineKinds.AzureEvent, message, cancellationToken).ConfigureAwait(false);
        Log.EventRecorded(_logger, e.Id, e.Type, incidentId);
        return new EventOutcome(e.Id, e.Type, EventDisposition.Recorded, incidentId, "Recorded on the incident timeline.");
    }

    // The id keys the timeline row (hashed) and the type is shown: both are refused when they could
    // not be stored or shown as sent.
    private static void CheckFields(IncomingEvent e, int index, List<InputError> errors)
    {
        foreach (var (name, value) in new[] { ("id", e.Id), ("type", e.Type), ("source", e.Source), ("subject", e.Subject) })
        {
            if (value is null)
            {
                continue;
            }

            if (value.Length > MaxFieldLength)
            {
                errors.Add(new InputError($"[{index}].{name}", $"Longer than {MaxFieldLength:N0} characters ({value.Length:N0})."));
            }
            else if (!InputText.IsClean(value))
            {
                errors.Add(new InputError($"[{index}].{name}", "Contains control characters or invalid UTF-16."));
            }
        }
    }

    private EventOutcome Ignore(IncomingEvent e, string reason)
    {
        Log.EventIgnored(_logger, e.Id, e.Type, reason);
        return new EventOutcome(e.Id, e.Type, EventDisposition.Ignored, null, reason);
    }

    // App Service events (topic/source = the site or plan) and Resource Health availability changes
    // (subject = the resource) are recorded on the app's live incident.
    private static (string? ResourceId, string Message)? Describe(IncomingEvent e)
    {
        switch (e.SystemData)
        {
            case WebAppUpdatedEventData app:
                return (e.Source, $"App Service reports the app was {app.AppEventTypeDetail?.Action?.ToString() ?? "updated"} ({e.Type}).");
            case WebSlotSwapStartedEventData or WebSlotSwapCompletedEventData or WebSlotSwapFailedEventData
                or WebSlotSwapWithPreviewStartedEventData or WebSlotSwapWithPreviewCancelledEventData:
                return (e.Source, $"App Service reports a slot swap event: {e.Type}.");
            case WebAppServicePlanUpdatedEventData plan:
                return (e.Source, $"App Service reports the plan was updated ({plan.AppServicePlanEventTypeDetail?.Action?.ToString() ?? "changed"}; SKU {plan.Sku?.Name ?? "unchanged"}, {plan.Sku?.Capacity ?? "?"} instances).");
        }

        if (e.Type.StartsWith("Microsoft.Web.", StringComparison.OrdinalIgnoreCase))
        {
            return (e.Source, $"App Service reports {e.Type}.");
        }

        if (e.Type.Equals("Microsoft.ResourceNotifications.HealthResources.AvailabilityStatusChanged", StringComparison.OrdinalIgnoreCase))
        {
            var status = e.Data is { ValueKind: JsonValueKind.Object } data
                && data.TryGetProperty("resourceInfo", out var info) && info.ValueKind == JsonValueKind.Object
                && info.TryGetProperty("properties", out var props) && props.ValueKind == JsonValueKind.Object
                && props.TryGetProperty("availabilityState", out var state) && state.ValueKind == JsonValueKind.String
                    ? state.GetString()
                    : null;
            var resource = e.Subject is { } s && s.StartsWith("/subscriptions/", StringComparison.OrdinalIgnoreCase) ? s : e.Source;
            return (resource, $"Resource Health reports availability {status ?? "changed"}.");
        }

        return null;
    }

    private static bool IsAlert(IncomingEvent e) =>
        e.Data is { ValueKind: JsonValueKind.Object } data
        && data.TryGetProperty("schemaId", out var schema) && schema.ValueKind == JsonValueKind.String
        && string.Equals(schema.GetString(), CommonAlertSchemaParser.SchemaId, StringComparison.OrdinalIgnoreCase);

    private static List<IncomingEvent> ParseEventGridEvents(ReadOnlyMemory<byte> body) =>
        EventGridEvent.ParseMany(BinaryData.FromBytes(body)).Select(e =>
        {
            e.TryGetSystemEventData(out var system);
            return new IncomingEvent(e.Id, e.EventType, e.Topic, e.Subject, e.EventTime, ToJson(e.Data), system);
        }).ToList();

    private static List<IncomingEvent> ParseCloudEvents(ReadOnlyMemory<byte> body) =>
        CloudEvent.ParseMany(BinaryData.FromBytes(body), skipValidation: false).Select(e =>
        {
            e.TryGetSystemEventData(out var system);
            return new IncomingEvent(e.Id, e.Type, e.Source, e.Subject, e.Time ?? DateTimeOffset.UnixEpoch, ToJson(e.Data), system);
        }).ToList();

    private static JsonElement? ToJson(BinaryData? data)
    {
        if (data is null || data.ToMemory().IsEmpty)
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(data.ToMemory());
            return document.RootElement.Clone();
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static EventDelivery Refuse(string field, string message) => new() { Errors = [new InputError(field, message)] };
}
