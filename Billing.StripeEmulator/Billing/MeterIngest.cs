using System.Globalization;
using Billing.StripeEmulator.State;
using Billing.StripeEmulator.Wire;

namespace Billing.StripeEmulator.Billing;

/// <summary>Accepts meter events (v1 and v2) with Stripe's validation and identifier de-duplication.</summary>
public static class MeterIngest
{
    public const long IdentifierWindowSeconds = 24 * 3600;
    private const long MaxAgeSeconds = 35 * 24 * 3600;
    private const long MaxFutureSeconds = 5 * 60;

    /// <summary>Stores the event, or returns the earlier event with the same identifier (counted once).</summary>
    public static MeterEventRecord Accept(Tx tx, string? eventName, string? identifier, Dictionary<string, string> payload, long? timestamp, string paramPrefix = "")
    {
        if (string.IsNullOrEmpty(eventName))
        {
            throw StripeError.MissingParam(paramPrefix + "event_name");
        }

        if (eventName.Length > 100)
        {
            throw StripeError.InvalidParam(paramPrefix + "event_name", "event_name must be at most 100 characters.");
        }

        if (identifier is { Length: > 100 })
        {
            throw StripeError.InvalidParam(paramPrefix + "identifier", "identifier must be at most 100 characters.");
        }

        var meter = tx.S.Meters.Values.Where(m => m.EventName == eventName).OrderBy(m => m.Status == "active" ? 0 : 1).FirstOrDefault();
        var customerKey = meter?.CustomerPayloadKey ?? "stripe_customer_id";
        var valueKey = meter?.ValuePayloadKey ?? "value";
        if (!payload.TryGetValue(customerKey, out var customer) || customer.Length == 0)
        {
            throw StripeError.MissingParam($"{paramPrefix}payload[{customerKey}]");
        }

        if (meter?.Formula != "count")
        {
            if (!payload.TryGetValue(valueKey, out var value))
            {
                throw StripeError.MissingParam($"{paramPrefix}payload[{valueKey}]");
            }

            if (!decimal.TryParse(value, NumberStyles.Number, CultureInfo.InvariantCulture, out _))
            {
                throw StripeError.InvalidParam($"{paramPrefix}payload[{valueKey}]", $"Invalid value for payload[{valueKey}]: {value} is not a number.");
            }
        }

        var now = tx.NowForCustomer(customer);
        var at = timestamp ?? now;
        if (at < now - MaxAgeSeconds)
        {
            throw StripeError.Invalid("Timestamp must be within the past 35 calendar days.", paramPrefix + "timestamp", "timestamp_too_far_in_past");
        }

        if (at > now + MaxFutureSeconds)
        {
            throw StripeError.Invalid("Timestamp must not be more than 5 minutes in the future.", paramPrefix + "timestamp", "timestamp_in_future");
        }

        var wallNow = tx.Clock.WallNow;
        if (identifier is not null)
        {
            var duplicate = tx.S.MeterEvents.LastOrDefault(e => e.Identifier == identifier && e.ReceivedAt > wallNow - IdentifierWindowSeconds);
            if (duplicate is not null)
            {
                return duplicate;
            }
        }

        var record = new MeterEventRecord
        {
            Identifier = identifier ?? Ids.New("mev_"),
            EventName = eventName,
            Payload = payload,
            Timestamp = at,
            Created = now,
            ReceivedAt = wallNow,
            Seq = tx.S.NextSeq++,
        };
        tx.S.MeterEvents.Add(record);
        return record;
    }
}
