package transactions

// Type is a Gladly transaction type.
type Type string

// The transaction types Gladly displays (docs/protocol.md, Transactions).
const (
	Order        Type = "ORDER"
	Flight       Type = "FLIGHT"
	Stay         Type = "STAY"
	Subscription Type = "SUBSCRIPTION"
	Generic      Type = "GENERIC"
)

// Types lists every valid Type.
var Types = []Type{Order, Flight, Stay, Subscription, Generic}

// shape is what a field may hold; shapeScalar is the default for every field not listed.
type shape uint8

const (
	shapeScalar     shape = iota
	shapeDate             // a scalar that must parse as an ISO 8601 date or time
	shapeScalarList       // an array of scalars (fulfillment productIds)
	shapeObject           // one nested object, of the schema in schema.nested
	shapeObjectList       // an array of nested objects, of the schema in schema.nested
)

// schema describes one object: the fields with a shape other than a plain scalar, and the
// schemas of its nested objects. Any field not listed is a flat scalar, kept as given.
type schema struct {
	fields   map[string]shape
	nested   map[string]*schema
	required []string
}

var (
	addressSchema = &schema{}
	actionSchema  = &schema{required: []string{"name", "formUrl"}}
	productSchema = &schema{}

	fulfillmentSchema = &schema{
		fields: map[string]shape{
			"productIds":            shapeScalarList,
			"estimatedDeliveryDate": shapeDate,
			"shippingAddress":       shapeObject,
		},
		nested: map[string]*schema{"shippingAddress": addressSchema},
	}

	// schemas holds each transaction type's vocabulary where it matters for validation. The
	// documented flat fields (orderNumber, airline, roomType, …) need no entry: every flat
	// scalar is accepted and rendered the same way.
	schemas = map[Type]*schema{
		Order: {
			fields: map[string]shape{
				"createdAt":       shapeDate,
				"billingAddress":  shapeObject,
				"shippingAddress": shapeObject,
				"products":        shapeObjectList,
				"fulfillments":    shapeObjectList,
				"actions":         shapeObjectList,
			},
			nested: map[string]*schema{
				"billingAddress":  addressSchema,
				"shippingAddress": addressSchema,
				"products":        productSchema,
				"fulfillments":    fulfillmentSchema,
				"actions":         actionSchema,
			},
		},
		Flight: {fields: map[string]shape{
			"createdAt": shapeDate, "departureTime": shapeDate, "arrivalTime": shapeDate,
		}},
		Stay: {fields: map[string]shape{
			"createdAt": shapeDate, "checkInDate": shapeDate, "checkOutDate": shapeDate,
		}},
		Subscription: {
			fields: map[string]shape{
				"createdAt": shapeDate, "startDate": shapeDate, "nextBillingDate": shapeDate,
				"products": shapeObjectList, "actions": shapeObjectList,
			},
			nested: map[string]*schema{"products": productSchema, "actions": actionSchema},
		},
		Generic: {fields: map[string]shape{"createdAt": shapeDate}},
	}

	// mainDate is the field transactions are ordered by when createdAt is absent.
	mainDate = map[Type]string{
		Flight:       "departureTime",
		Stay:         "checkInDate",
		Subscription: "startDate",
	}
)
