package transactions

import (
	"bytes"
	"encoding/json"
	"time"
)

// Typed is a transaction built in Go: one of OrderTx, FlightTx, StayTx, SubscriptionTx or
// GenericTx. New validates and renders it.
type Typed interface {
	TransactionType() Type
}

// Address is a billing or shipping address.
type Address struct {
	Name    string `json:"name,omitempty"`
	Phone   string `json:"phone,omitempty"`
	Street1 string `json:"street1,omitempty"`
	Street2 string `json:"street2,omitempty"`
	City    string `json:"city,omitempty"`
	State   string `json:"state,omitempty"`
	Zip     string `json:"zip,omitempty"`
	Country string `json:"country,omitempty"`
}

// Action is an action as an answer links it — a button Gladly shows on the customer or on an
// ORDER or SUBSCRIPTION, whose FormURL serves its form. (actions.Action is the catalog entry
// such a link is made from.)
type Action struct {
	Name    string `json:"name"`
	FormURL string `json:"formUrl"`
}

// Product is a line of an ORDER or SUBSCRIPTION. Prices carry their currency symbol.
type Product struct {
	ID        string `json:"id,omitempty"`
	Name      string `json:"name,omitempty"`
	SKU       string `json:"sku,omitempty"`
	Status    string `json:"status,omitempty"`
	Quantity  int    `json:"quantity,omitzero"`
	UnitPrice string `json:"unitPrice,omitempty"`
	Total     string `json:"total,omitempty"`
	ImageURL  string `json:"imageUrl,omitempty"`
}

// Fulfillment is a shipment of some of an ORDER's products.
type Fulfillment struct {
	ProductIDs            []string  `json:"productIds,omitempty"`
	Status                string    `json:"status,omitempty"`
	Carrier               string    `json:"carrier,omitempty"`
	TrackingNumber        string    `json:"trackingNumber,omitempty"`
	TrackingURL           string    `json:"trackingUrl,omitempty"`
	EstimatedDeliveryDate time.Time `json:"estimatedDeliveryDate,omitzero"`
	ShippingSpeed         string    `json:"shippingSpeed,omitempty"`
	ShippingAddress       *Address  `json:"shippingAddress,omitempty"`
}

// OrderTx is an ORDER, the type Gladly's AI agent reads.
type OrderTx struct {
	OrderNumber      string         `json:"orderNumber,omitempty"`
	CreatedAt        time.Time      `json:"createdAt,omitzero"`
	OrderStatus      string         `json:"orderStatus,omitempty"`
	OrderTotal       string         `json:"orderTotal,omitempty"`
	CurrencyCode     string         `json:"currencyCode,omitempty"`
	CustomerOrderURL string         `json:"customerOrderUrl,omitempty"`
	OrderLink        string         `json:"orderLink,omitempty"`
	Note             string         `json:"note,omitempty"`
	ItemCount        int            `json:"itemCount,omitzero"`
	BillingAddress   *Address       `json:"billingAddress,omitempty"`
	Products         []Product      `json:"products,omitempty"`
	Fulfillments     []Fulfillment  `json:"fulfillments,omitempty"`
	Actions          []Action       `json:"actions,omitempty"`
	Extra            map[string]any `json:"-"`
}

// FlightTx is a FLIGHT reservation.
type FlightTx struct {
	ConfirmationCode string         `json:"confirmationCode,omitempty"`
	Airline          string         `json:"airline,omitempty"`
	FlightNumber     string         `json:"flightNumber,omitempty"`
	DepartureAirport string         `json:"departureAirport,omitempty"`
	ArrivalAirport   string         `json:"arrivalAirport,omitempty"`
	DepartureTime    time.Time      `json:"departureTime,omitzero"`
	ArrivalTime      time.Time      `json:"arrivalTime,omitzero"`
	Status           string         `json:"status,omitempty"`
	PassengerName    string         `json:"passengerName,omitempty"`
	Seat             string         `json:"seat,omitempty"`
	FareClass        string         `json:"fareClass,omitempty"`
	CreatedAt        time.Time      `json:"createdAt,omitzero"`
	Extra            map[string]any `json:"-"`
}

// StayTx is a STAY (hotel or rental); its dates are calendar dates such as "2026-12-01".
type StayTx struct {
	ConfirmationNumber string         `json:"confirmationNumber,omitempty"`
	PropertyName       string         `json:"propertyName,omitempty"`
	CheckInDate        string         `json:"checkInDate,omitempty"`
	CheckOutDate       string         `json:"checkOutDate,omitempty"`
	RoomType           string         `json:"roomType,omitempty"`
	Guests             int            `json:"guests,omitzero"`
	Status             string         `json:"status,omitempty"`
	Total              string         `json:"total,omitempty"`
	CreatedAt          time.Time      `json:"createdAt,omitzero"`
	Extra              map[string]any `json:"-"`
}

// SubscriptionTx is a SUBSCRIPTION; its dates are calendar dates such as "2026-12-01".
type SubscriptionTx struct {
	SubscriptionID  string         `json:"subscriptionId,omitempty"`
	PlanName        string         `json:"planName,omitempty"`
	Status          string         `json:"status,omitempty"`
	StartDate       string         `json:"startDate,omitempty"`
	NextBillingDate string         `json:"nextBillingDate,omitempty"`
	Frequency       string         `json:"frequency,omitempty"`
	Price           string         `json:"price,omitempty"`
	CreatedAt       time.Time      `json:"createdAt,omitzero"`
	Products        []Product      `json:"products,omitempty"`
	Actions         []Action       `json:"actions,omitempty"`
	Extra           map[string]any `json:"-"`
}

// GenericTx is a GENERIC transaction: any flat fields.
type GenericTx struct {
	CreatedAt time.Time      `json:"createdAt,omitzero"`
	Fields    map[string]any `json:"-"`
}

// TransactionType implements Typed.
func (OrderTx) TransactionType() Type { return Order }

// TransactionType implements Typed.
func (FlightTx) TransactionType() Type { return Flight }

// TransactionType implements Typed.
func (StayTx) TransactionType() Type { return Stay }

// TransactionType implements Typed.
func (SubscriptionTx) TransactionType() Type { return Subscription }

// TransactionType implements Typed.
func (GenericTx) TransactionType() Type { return Generic }

// New validates a transaction built in Go and renders its wire form. Extra (Fields for
// GenericTx) adds flat fields; they may not override the typed ones.
func New(v Typed) (Transaction, error) {
	obj, err := toObject(v)
	if err != nil {
		return Transaction{}, err
	}
	extra, err := toObject(extraFields(v))
	if err != nil {
		return Transaction{}, err
	}
	for k, val := range extra {
		if _, taken := obj[k]; !taken {
			obj[k] = val
		}
	}
	obj["type"] = string(v.TransactionType())
	return FromValue(obj)
}

// toObject round-trips v through JSON so that it holds only what FromValue reads, numbers exact.
func toObject(v any) (map[string]any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, &FieldError{Msg: err.Error()}
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var obj map[string]any
	if err := dec.Decode(&obj); err != nil {
		return nil, &FieldError{Msg: "want an object: " + err.Error()}
	}
	if obj == nil {
		obj = map[string]any{}
	}
	return obj, nil
}

func extraFields(v Typed) map[string]any {
	switch t := v.(type) {
	case OrderTx:
		return t.Extra
	case FlightTx:
		return t.Extra
	case StayTx:
		return t.Extra
	case SubscriptionTx:
		return t.Extra
	case GenericTx:
		return t.Fields
	}
	return nil
}
