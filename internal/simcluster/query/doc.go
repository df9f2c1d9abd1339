// Package query is the small MongoDB query engine behind the simulated
// cluster: filters, projections, sorts, updates and the aggregation stages
// that mongoscope, mongosh's helpers (sh.status, rs.printSecondaryReplicationInfo,
// db.currentOp) and mongostat/mongotop send. It is not a general query
// language: everything outside the set below fails with the code and message
// a 7.0 server gives, or with an honest "not supported by the simulated
// cluster", never with a wrong answer.
//
// Documents are bson.D (nested documents bson.D, arrays bson.A), exactly as
// the v2 driver unmarshals them; bson.M is accepted where a caller may build
// one by hand. Inputs are never modified: whatever changes a document builds
// a new one, so callers may pass their live collections.
//
// Filters: implicit equality (array contains, dotted paths through
// subdocuments and arrays, numeric indexes), $eq $ne $gt $gte $lt $lte $in
// $nin $exists $regex/$options and regex values, $and $or $nor $not, $type,
// $size, $elemMatch, $all, $mod, $expr, $comment.
//
// Stages: $match $project $addFields/$set $unset $sort $limit $skip $count
// $group ($sum $avg $min $max $first $last $push $addToSet $count) $unwind.
// Stages that read the server ($currentOp, $collStats…) are the caller's to
// run first. Expressions: field paths, $$ROOT $$CURRENT $$NOW $$REMOVE,
// literals, object and array expressions, $ifNull $cond $eq $ne $gt $gte $lt
// $lte $cmp $and $or $not $add $subtract $multiply $divide $toString $concat
// $toLower $toUpper $size $literal $dateToString $arrayElemAt $in $type.
//
// Updates: $set $unset $inc $min $max $setOnInsert (upsert only) and
// replacement documents.
package query
